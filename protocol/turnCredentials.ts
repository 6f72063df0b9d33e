import { encodeBase64 } from "./base64.js";
import { hmacSha1 } from "./hmacSha1.js";

/**
 * TURN credentials for GET /voip/turnServer (spec: voip.yaml) from a secret shared with the TURN
 * server: the "TURN REST API" scheme coturn implements as `use-auth-secret`. The username is
 * "<expiry in unix seconds>:<user ID>" and the password base64(HMAC-SHA1(secret, username)), so
 * the TURN server can check a credential, and its expiry, without asking the homeserver.
 */
export interface TurnCredentials {
  username: string;
  password: string;
  /** Seconds the credentials stay valid (spec: `ttl`). */
  ttl: number;
}

/** Standard base64 *with* padding: TURN servers compare the password byte for byte with theirs. */
function paddedBase64(bytes: Uint8Array): string {
  const s = encodeBase64(bytes);
  return s + "=".repeat((4 - (s.length % 4)) % 4);
}

export async function sharedSecretTurnCredentials(secret: string, userId: string, ttlSeconds: number, nowMs: number): Promise<TurnCredentials> {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${userId}`;
  const mac = await hmacSha1(secret, new TextEncoder().encode(username));
  return { username, password: paddedBase64(mac), ttl: ttlSeconds };
}
