/**
 * Whether a remote's error means "I do not have this endpoint" rather than "no" — the cue to
 * retry with an older API version. The spec (v1.6+) asks for 404 or 405 with M_UNRECOGNIZED;
 * older servers sent a bare 404 or 405 with no JSON error, and Synapse before 1.114 answered 400
 * M_UNRECOGNIZED. A 404 with another errcode (e.g. M_NOT_FOUND for an unknown room) is a real
 * answer from an endpoint that exists. The same test Synapse applies.
 */
import { FederationError } from "./request.js";

export function isUnknownEndpoint(e: unknown): boolean {
  if (!(e instanceof FederationError) || e.network) return false;
  if (e.status === 404 || e.status === 405) return e.errcode === undefined || e.errcode === "M_UNRECOGNIZED";
  return e.status === 400 && e.errcode === "M_UNRECOGNIZED";
}

/** The body of a deprecated v1 answer, which wraps it as `[200, body]`; undefined if it is not one. */
export function unwrapV1Answer(answer: unknown): unknown {
  if (Array.isArray(answer) && answer.length === 2 && answer[0] === 200) return answer[1];
  return undefined;
}
