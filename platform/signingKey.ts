import { decodeBase64 } from "../protocol/base64.js";
import { signingKeyFromSeed, type SigningKey } from "../protocol/signing.js";

/**
 * The server's signing key as it crosses Durable Object RPC (ServerDO.signingKey) and as the
 * SIGNING_KEY secret gives it: a key ID and the unpadded base64 Ed25519 seed.
 */
export interface SerializedSigningKey {
  keyId: string;
  seed: string;
}

export function signingKeyOf(k: SerializedSigningKey): SigningKey {
  return signingKeyFromSeed(k.keyId, decodeBase64(k.seed));
}
