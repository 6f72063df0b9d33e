/**
 * HMAC-SHA1 of `message` under a UTF-8 `secret`: the MAC of Synapse's shared-secret registration
 * and the password of TURN REST API credentials (both fixed to SHA-1 by their peers).
 */
export async function hmacSha1(secret: string, message: BufferSource): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
}
