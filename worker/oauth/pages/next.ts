/**
 * The `next` field of the sign-in, sign-up and sign-out forms says where to go afterwards (back
 * to /oauth2/auth?…, or /link). It comes from the browser, so an attacker can set it: only a
 * path on this server is followed, never another site (an open redirect would lend our name to
 * a phishing link).
 */

export const DEFAULT_NEXT = "/account/";

/**
 * `next` when it is a plain path here, else DEFAULT_NEXT. "//evil.example" and "/\evil.example"
 * are refused: browsers read both as another host. Control characters are refused too (some
 * parsers drop tabs and newlines, turning "/\t/evil" into "//evil").
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 4096) return DEFAULT_NEXT;
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return DEFAULT_NEXT;
  if (/[\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT;
  return next;
}
