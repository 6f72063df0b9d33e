import { isErrcode, type Errcode } from "../protocol/errcodes.js";
import { isJsonObject } from "../protocol/json.js";
import { wireFields, wireMessage } from "../protocol/wireError.js";
import { SpecError } from "../protocol/specError.js";

/**
 * Matrix errors: `{"errcode": "M_…", "error": "…"}` with the spec's HTTP status.
 *
 * Every layer throws these: the Worker's handlers and the Durable Objects alike. A Durable
 * Object's RPC carries only the message of a thrown error back to the caller (workerd keeps the
 * message of an Error but drops its own properties), so the message of a MatrixError is its wire
 * form, `MatrixError {"status":403,"errcode":"M_FORBIDDEN","error":"…"}` (protocol/wireError.ts), and
 * `toMatrixError` reads it back on the other side.
 */
export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: Errcode,
    readonly text: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(wireMessage("MatrixError", { status, errcode, error: text, ...(Object.keys(extra).length ? { extra } : {}) }));
    this.name = "MatrixError";
  }

  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.text, ...this.extra };
  }
}

/**
 * Recovers a MatrixError from anything thrown, locally or across an RPC boundary; a protocol
 * rule's refusal (SpecError) becomes the Matrix error it names.
 */
export function toMatrixError(e: unknown): MatrixError | undefined {
  if (e instanceof MatrixError) return e;
  if (e instanceof SpecError) return new MatrixError(e.status, e.errcode, e.message);
  const wire = wireFields(e, "MatrixError");
  if (!wire || typeof wire.status !== "number" || !isErrcode(wire.errcode) || typeof wire.error !== "string") return undefined;
  const extra = isJsonObject(wire.extra) ? wire.extra : {};
  return new MatrixError(wire.status, wire.errcode, wire.error, extra);
}

/**
 * What `p` resolves to, or undefined when it fails with a Matrix error of one of `statuses` (404:
 * the thing is not there; 403 besides, where "not allowed to see it" must read the same). Any
 * other failure is real and is thrown, not mistaken for absence.
 */
export async function unlessStatus<T>(statuses: readonly number[], p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    const status = toMatrixError(e)?.status;
    if (status !== undefined && statuses.includes(status)) return undefined;
    throw e;
  }
}

type Extra = Record<string, unknown>;

// One constructor per error a handler commonly throws, with the status the spec gives it.
export const forbidden = (text: string, extra?: Extra) => new MatrixError(403, "M_FORBIDDEN", text, extra);
export const notFound = (text: string, extra?: Extra) => new MatrixError(404, "M_NOT_FOUND", text, extra);
export const badJson = (text: string, extra?: Extra) => new MatrixError(400, "M_BAD_JSON", text, extra);
export const notJson = (text: string, extra?: Extra) => new MatrixError(400, "M_NOT_JSON", text, extra);
export const missingParam = (text: string, extra?: Extra) => new MatrixError(400, "M_MISSING_PARAM", text, extra);
export const invalidParam = (text: string, extra?: Extra) => new MatrixError(400, "M_INVALID_PARAM", text, extra);
export const unknownToken = (text = "Unknown access token", softLogout = false) =>
  new MatrixError(401, "M_UNKNOWN_TOKEN", text, { soft_logout: softLogout });
export const missingToken = () => new MatrixError(401, "M_MISSING_TOKEN", "Missing access token");
export const unrecognized = (text = "Unrecognized request") => new MatrixError(404, "M_UNRECOGNIZED", text);
/** Simplified sliding sync (MSC4186): the pos is not (or no longer) known; the client starts the connection over. */
export const unknownPos = (text = "Unknown or expired pos") => new MatrixError(400, "M_UNKNOWN_POS", text);
export const tooLarge = (text: string) => new MatrixError(413, "M_TOO_LARGE", text);
export const limitExceeded = (retryAfterMs: number) =>
  new MatrixError(429, "M_LIMIT_EXCEEDED", "Too many requests", { retry_after_ms: retryAfterMs });
export const unsupportedRoomVersion = (text: string, extra?: Extra) =>
  new MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION", text, extra);
export const incompatibleRoomVersion = (text: string, extra?: Extra) =>
  new MatrixError(400, "M_INCOMPATIBLE_ROOM_VERSION", text, extra);
export const userInUse = (text: string) => new MatrixError(400, "M_USER_IN_USE", text);
export const invalidUsername = (text: string) => new MatrixError(400, "M_INVALID_USERNAME", text);
export const roomInUse = (text: string) => new MatrixError(400, "M_ROOM_IN_USE", text);
export const invalidRoomState = (text: string) => new MatrixError(400, "M_INVALID_ROOM_STATE", text);
export const unableToAuthoriseJoin = (text: string) => new MatrixError(400, "M_UNABLE_TO_AUTHORISE_JOIN", text);
export const notYetUploaded = (text: string) => new MatrixError(504, "M_NOT_YET_UPLOADED", text);
/** A request the spec has no more specific code for (400 M_UNKNOWN). */
export const badRequest = (text: string, extra?: Extra) => new MatrixError(400, "M_UNKNOWN", text, extra);
/** Something failed on our side (500 M_UNKNOWN). */
export const internalError = (text: string) => new MatrixError(500, "M_UNKNOWN", text);
/** A remote server failed or answered nonsense (502 M_UNKNOWN). */
export const remoteFailed = (text: string, extra?: Extra) => new MatrixError(502, "M_UNKNOWN", text, extra);
