/**
 * Whether a remote's error means "I do not have this endpoint" rather than "no" — the cue to
 * retry with an older API version. The spec (v1.6+) asks for 404 or 405 with M_UNRECOGNIZED;
 * older servers sent a bare 404 or 405 with no JSON error, and Synapse before 1.114 answered 400
 * M_UNRECOGNIZED. A 404 with another errcode (e.g. M_NOT_FOUND for an unknown room) is a real
 * answer from an endpoint that exists. The same test Synapse applies.
 */
import { FederationError } from "./request.js";
import { isJsonObject } from "../protocol/json.js";

/** The test on a reply's status and body (`body` parsed as JSON, undefined when it was not JSON). */
export function isUnknownEndpointReply(status: number, body: unknown): boolean {
  const errcode = isJsonObject(body) && typeof body.errcode === "string" ? body.errcode : undefined;
  if (status === 404 || status === 405) return !isJsonObject(body) || errcode === "M_UNRECOGNIZED";
  return status === 400 && errcode === "M_UNRECOGNIZED";
}

export function isUnknownEndpoint(e: unknown): boolean {
  return e instanceof FederationError && !e.network && isUnknownEndpointReply(e.status, e.body);
}

/** The body of a deprecated v1 answer, which wraps it as `[200, body]`; undefined if it is not one. */
export function unwrapV1Answer(answer: unknown): unknown {
  if (Array.isArray(answer) && answer.length === 2 && answer[0] === 200) return answer[1];
  return undefined;
}
