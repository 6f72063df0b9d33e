/**
 * Signing and verifying federation requests (spec: "Request Authentication"): the method, the
 * request target (path and query, from `/_matrix/…`), origin, destination and the JSON body are
 * wrapped in one object and signed with the JSON signing algorithm.
 *
 * Pure code, no Cloudflare imports.
 */
import { signJson, getSignature, verifyJsonSignature, type SigningKey } from "../protocol/signing.js";
import type { JsonObject, JsonValue } from "../protocol/json.js";
import type { CanonicalJsonOptions } from "../protocol/canonicalJson.js";
import { formatXMatrix, type XMatrixAuth } from "./xMatrix.js";

export interface RequestToSign {
  method: string;
  /** Path and query string exactly as sent, starting with `/_matrix/`. */
  uri: string;
  origin: string;
  destination: string;
  /** The JSON body, absent for requests without one. */
  content?: JsonValue;
}

/** The object whose signature authenticates a request. */
export function requestJson(r: RequestToSign): JsonObject {
  const obj: JsonObject = { method: r.method, uri: r.uri, origin: r.origin, destination: r.destination };
  if (r.content !== undefined) obj.content = r.content;
  return obj;
}

/** The Authorization header value for a request signed by `r.origin` with `key`. */
export async function signRequest(r: RequestToSign, key: SigningKey, options?: CanonicalJsonOptions): Promise<string> {
  const signed = await signJson(requestJson(r), r.origin, key, options);
  const sig = getSignature(signed, r.origin, key.keyId);
  if (sig === undefined) throw new Error("signing produced no signature");
  return formatXMatrix({ origin: r.origin, destination: r.destination, key: key.keyId, sig });
}

/** Whether `auth.sig` is `r.origin`'s signature of the request with `publicKey`. */
export async function verifyRequestSignature(r: RequestToSign, auth: XMatrixAuth, publicKey: Uint8Array): Promise<boolean> {
  const obj = { ...requestJson(r), signatures: { [r.origin]: { [auth.key]: auth.sig } } };
  // Checked as the sender computed it: a body may hold what strict canonical JSON refuses (a
  // float in a PDU, which Synapse encodes), and that PDU alone is then refused, not the request.
  return verifyJsonSignature(obj, r.origin, auth.key, publicKey, { strict: false });
}
