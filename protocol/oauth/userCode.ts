/**
 * User codes of the device authorization grant (RFC 8628 §6.1): what a person reads off one
 * screen and types on another. Eight letters from an alphabet without vowels (no words, no
 * 0/O or 1/I confusion), shown as two groups of four ("WDJB-MJHT") as in the spec's sample.
 * 20^8 ≈ 2.6·10^10 codes; with the endpoint rate-limited and codes living 30 minutes, guessing one
 * is out of reach (RFC 8628 §5.1).
 */
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const LENGTH = 8;

export function newUserCode(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  // Rejection sampling keeps the letters uniform (256 is not a multiple of 20).
  const out: string[] = [];
  while (out.length < LENGTH) {
    for (const b of random(LENGTH * 2)) {
      if (b < 240 && out.length < LENGTH) out.push(USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]);
    }
  }
  return `${out.slice(0, 4).join("")}-${out.slice(4).join("")}`;
}

/**
 * A typed code in its stored form, or undefined when it cannot be one: people type lower case,
 * spaces and dashes, so those are forgiven (RFC 8628 §6.1 recommends it).
 */
export function normalizeUserCode(typed: string): string | undefined {
  const letters = typed.toUpperCase().replace(/[\s-]/g, "");
  if (letters.length !== LENGTH) return undefined;
  for (const c of letters) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
