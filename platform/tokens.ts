
/**
 * Access tokens carry their user so the Worker can route to the right UserDO without a lookup:
 * `lat_<base64url(localpart)>_<random>`. The UserDO stores only a SHA-256 of the token.
 */
const PREFIX = "lat_";

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(bytes: number): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Random letters and digits only, so the last "_" in a token always ends the localpart part. */
export function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export function newAccessToken(localpart: string): string {
  return `${PREFIX}${b64url(new TextEncoder().encode(localpart))}_${randomAlphanumeric(40)}`;
}

/** The localpart a token claims to belong to, or undefined if it is not one of ours. */
export function localpartOfToken(token: string): string | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const rest = token.slice(PREFIX.length);
  const sep = rest.lastIndexOf("_");
  if (sep <= 0) return undefined;
  try {
    const b64 = rest.slice(0, sep).replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return b64url(new Uint8Array(digest));
}

export function newDeviceId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => alphabet[b % 26]).join("");
}
