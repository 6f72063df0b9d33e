/**
 * String comparison whose time does not depend on where the strings differ, for secrets
 * (CSRF tokens): an attacker timing the answers cannot learn a token one character at a time.
 * The length may leak; our tokens all have the same, public, length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
