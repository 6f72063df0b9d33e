/**
 * OpenID Connect id_tokens (OpenID Connect Core §2, §3.1.3.7): a JWT (RFC 7519) signed with RS256
 * (RFC 7518 §3.3, RSASSA-PKCS1-v1_5 with SHA-256) in JWS compact serialization (RFC 7515 §3.1).
 * matrix-js-sdk requires one in the token response when it asked for `openid`, and checks iss,
 * aud, nonce and exp (and the signature, against jwks_uri).
 *
 * Keys are JWKs (RFC 7517) so they can be stored as JSON and published as is; the key ID is the
 * key's RFC 7638 thumbprint, so it names the key itself and changes only with it. Signing uses
 * WebCrypto, standard in both workerd and Node.
 */
import { decodeBase64, encodeBase64Url } from "../base64.js";
import { sha256 } from "../sha256.js";

/** An RSA key as a JWK; the private members are present in a private key only. */
export interface RsaJwk {
  kty: "RSA";
  n: string;
  e: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

/** The public key as jwks_uri publishes it. */
export interface PublicRsaJwk {
  kty: "RSA";
  n: string;
  e: string;
  kid: string;
  alg: "RS256";
  use: "sig";
}

/** The claims Lattice puts in an id_token (OpenID Connect Core §2). Times are seconds since the epoch. */
export interface IdTokenClaims {
  iss: string;
  /** The Matrix user ID. */
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  auth_time?: number;
  nonce?: string;
}

/** How long an id_token is good for: it only proves the sign-in that just happened. */
export const ID_TOKEN_LIFETIME_S = 300;

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const utf8 = new TextEncoder();

/** The claims of an id_token for `userId` signed in at `authTimeMs`, issued to `clientId` at `nowMs`. */
export function idTokenClaims(opts: { issuer: string; userId: string; clientId: string; nowMs: number; authTimeMs?: number; nonce?: string }): IdTokenClaims {
  const iat = Math.floor(opts.nowMs / 1000);
  const claims: IdTokenClaims = { iss: opts.issuer, sub: opts.userId, aud: opts.clientId, exp: iat + ID_TOKEN_LIFETIME_S, iat };
  if (opts.authTimeMs !== undefined) claims.auth_time = Math.floor(opts.authTimeMs / 1000);
  if (opts.nonce !== undefined) claims.nonce = opts.nonce;
  return claims;
}

/** BASE64URL(UTF8(JSON)) of a JOSE header or claims set. */
function base64UrlJson(value: unknown): string {
  return encodeBase64Url(utf8.encode(JSON.stringify(value)));
}

/**
 * RFC 7638 JWK thumbprint of an RSA key: base64url SHA-256 of the required members e, kty, n,
 * in that (lexicographic) order, as JSON without whitespace.
 */
export async function jwkThumbprint(jwk: Pick<RsaJwk, "kty" | "n" | "e">): Promise<string> {
  return encodeBase64Url(await sha256(`{"e":${JSON.stringify(jwk.e)},"kty":"RSA","n":${JSON.stringify(jwk.n)}}`));
}

/**
 * The public half of an RSA JWK, as published at jwks_uri, under `kid` (its thumbprint when not
 * given: the kid a stored key was saved under is that thumbprint).
 */
export async function publicJwkOf(jwk: RsaJwk, kid?: string): Promise<PublicRsaJwk> {
  return { kty: "RSA", n: jwk.n, e: jwk.e, kid: kid ?? (await jwkThumbprint(jwk)), alg: "RS256", use: "sig" };
}

/** A private key imported for signing, with the kid its JWS headers name. */
export interface Rs256SigningKey {
  kid: string;
  key: CryptoKey;
}

/**
 * Imports a private JWK for signing, once, so each signature does not import it again; `kid`
 * defaults to the key's thumbprint.
 */
export async function importRs256SigningKey(privateJwk: RsaJwk, kid?: string): Promise<Rs256SigningKey> {
  const key = await crypto.subtle.importKey("jwk", { ...privateJwk }, RS256, false, ["sign"]);
  return { kid: kid ?? (await jwkThumbprint(privateJwk)), key };
}

function isRsaJwk(value: unknown): value is RsaJwk {
  if (typeof value !== "object" || value === null) return false;
  const o = value as Record<string, unknown>;
  return o.kty === "RSA" && typeof o.n === "string" && typeof o.e === "string";
}

/** A new 2048-bit RS256 key pair (RFC 7518 §3.3 asks for at least 2048 bits), as a private JWK. */
export async function generateRs256Jwk(): Promise<RsaJwk> {
  const pair = (await crypto.subtle.generateKey({ ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk: unknown = await crypto.subtle.exportKey("jwk", pair.privateKey);
  if (!isRsaJwk(jwk) || jwk.d === undefined) throw new Error("WebCrypto exported no RSA private key");
  // Only the key members: WebCrypto adds alg/ext/key_ops, which importKey would then check.
  const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
  return { kty, n, e, d, p, q, dp, dq, qi };
}

/** Signs `claims` as a compact JWS with RS256 under `signingKey`; the header names its kid. */
export async function signJwtRs256(claims: object, signingKey: Rs256SigningKey): Promise<string> {
  const { key, kid } = signingKey;
  const header = { alg: "RS256", typ: "JWT", kid };
  const signingInput = `${base64UrlJson(header)}.${base64UrlJson(claims)}`;
  const signature = await crypto.subtle.sign(RS256, key, utf8.encode(signingInput) as Uint8Array<ArrayBuffer>);
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}

/**
 * The header and claims of a compact RS256 JWS whose signature verifies under `publicJwk`, or
 * null (for tests, and for anything of Lattice's own that reads its tokens back).
 */
export async function verifyJwtRs256(jwt: string, publicJwk: RsaJwk | PublicRsaJwk): Promise<{ header: Record<string, unknown>; claims: Record<string, unknown> } | null> {
  const parts = jwt.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(decodeBase64(parts[0]))) as Record<string, unknown>;
    if (header.alg !== "RS256") return null;
    const key = await crypto.subtle.importKey("jwk", { kty: "RSA", n: publicJwk.n, e: publicJwk.e }, RS256, false, ["verify"]);
    const ok = await crypto.subtle.verify(RS256, key, decodeBase64(parts[2]) as Uint8Array<ArrayBuffer>, utf8.encode(`${parts[0]}.${parts[1]}`) as Uint8Array<ArrayBuffer>);
    if (!ok) return null;
    const claims = JSON.parse(new TextDecoder().decode(decodeBase64(parts[1]))) as Record<string, unknown>;
    return { header, claims };
  } catch {
    return null;
  }
}
