/**
 * Whether a localpart may be registered now (spec appendices "User Identifiers": new user IDs use
 * only a-z, 0-9 and ._=-/+, and the whole user ID is at most 255 bytes). Purely numeric
 * localparts are kept for guests, as Synapse does.
 */
export function isValidNewLocalpart(localpart: string, serverName: string): boolean {
  if (!/^[a-z0-9._=\-/+]+$/.test(localpart)) return false;
  if (/^\d+$/.test(localpart)) return false;
  return new TextEncoder().encode(`@${localpart}:${serverName}`).length <= 255;
}
