import { encodeBase64Url } from "../base64.js";
import { sha256 } from "../sha256.js";

/**
 * PKCE (RFC 7636). The spec requires the S256 method, and Lattice accepts no other: the
 * authorization request's `code_challenge` is BASE64URL(SHA-256(code_verifier)), and the token
 * request's `code_verifier` must hash to it.
 */

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
export function isValidCodeVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

/** An S256 challenge is the unpadded base64url of a 32-byte digest: 43 characters. */
export function isValidCodeChallenge(challenge: string): boolean {
  return /^[A-Za-z0-9\-_]{43}$/.test(challenge);
}

export async function s256Challenge(verifier: string): Promise<string> {
  return encodeBase64Url(await sha256(verifier));
}

/** Whether `verifier` is well-formed and hashes to `challenge`. */
export async function verifierMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!isValidCodeVerifier(verifier)) return false;
  return (await s256Challenge(verifier)) === challenge;
}
