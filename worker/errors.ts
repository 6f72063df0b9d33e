/**
 * Matrix errors: `{"errcode": "M_…", "error": "…"}` with the spec's HTTP status.
 *
 * Durable Object RPC only carries an error's message across the boundary, so a MatrixError
 * encodes its status and errcode in the message ("[403 M_FORBIDDEN] text") and
 * `toMatrixError` decodes it again on the Worker side.
 */
export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    readonly text: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`[${status} ${errcode}] ${text}${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ""}`);
    this.name = "MatrixError";
  }

  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.text, ...this.extra };
  }
}

const ENCODED = /^(?:MatrixError: )?\[(\d{3}) (M_[A-Z_]+)\] ([\s\S]*?)(?: (\{[\s\S]*\}))?$/;

/** Recovers a MatrixError from anything thrown, locally or across an RPC boundary. */
export function toMatrixError(e: unknown): MatrixError | undefined {
  if (e instanceof MatrixError) return e;
  if (!(e instanceof Error)) return undefined;
  const m = ENCODED.exec(e.message);
  if (!m) return undefined;
  let extra: Record<string, unknown> = {};
  if (m[4]) {
    try {
      extra = JSON.parse(m[4]) as Record<string, unknown>;
    } catch {
      extra = {};
    }
  }
  return new MatrixError(Number(m[1]), m[2], m[3], extra);
}

export const forbidden = (text: string) => new MatrixError(403, "M_FORBIDDEN", text);
export const notFound = (text: string) => new MatrixError(404, "M_NOT_FOUND", text);
export const badJson = (text: string) => new MatrixError(400, "M_BAD_JSON", text);
export const notJson = (text: string) => new MatrixError(400, "M_NOT_JSON", text);
export const missingParam = (text: string) => new MatrixError(400, "M_MISSING_PARAM", text);
export const invalidParam = (text: string) => new MatrixError(400, "M_INVALID_PARAM", text);
export const unknownToken = (text = "Unknown access token", softLogout = false) =>
  new MatrixError(401, "M_UNKNOWN_TOKEN", text, { soft_logout: softLogout });
export const missingToken = () => new MatrixError(401, "M_MISSING_TOKEN", "Missing access token");
export const unrecognized = (text = "Unrecognized request") => new MatrixError(404, "M_UNRECOGNIZED", text);
export const tooLarge = (text: string) => new MatrixError(413, "M_TOO_LARGE", text);
export const limitExceeded = (retryAfterMs: number) =>
  new MatrixError(429, "M_LIMIT_EXCEEDED", "Too many requests", { retry_after_ms: retryAfterMs });
