/**
 * The body of an upload, checked against the size limit before a byte is stored.
 *
 * R2 can take a stream only when its length is known, so with a Content-Length the request
 * body goes straight into R2 and a 100 MB upload never sits in memory. Without one (chunked
 * transfer) we buffer, but only up to BUFFER_LIMIT: larger chunked uploads get 411.
 */
import { MatrixError, invalidParam, tooLarge } from "../../platform/errors.js";
import { concatBytes } from "../../platform/bytes.js";

export const BUFFER_LIMIT = 8 * 1024 * 1024;
/** How much of an oversized chunked body we read and drop before answering. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

export interface UploadBody {
  body: ReadableStream | ArrayBuffer;
  length: number;
}

export async function readUploadBody(request: Request, maxBytes: number): Promise<UploadBody> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared)) {
    const length = Number(declared);
    if (length > maxBytes) throw tooLarge(`Upload is larger than the limit of ${maxBytes} bytes`);
    if (length === 0 || !request.body) return { body: new ArrayBuffer(0), length: 0 };
    return { body: request.body, length };
  }
  if (!request.body) return { body: new ArrayBuffer(0), length: 0 };
  const cap = Math.min(maxBytes, BUFFER_LIMIT);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      // Read (and drop) the rest before answering, within a bound: answering while the client is
      // still sending makes some proxies drop the reply, and the client then sees no error at all.
      let drained = total;
      while (drained < cap + DRAIN_LIMIT) {
        const next = await reader.read();
        if (next.done) break;
        drained += next.value.byteLength;
      }
      await reader.cancel().catch(() => undefined);
      if (total > maxBytes) throw tooLarge(`Upload is larger than the limit of ${maxBytes} bytes`);
      throw new MatrixError(411, "M_MISSING_PARAM", `Uploads over ${BUFFER_LIMIT} bytes need a Content-Length header`);
    }
    chunks.push(value);
  }
  return { body: concatBytes(chunks).buffer as ArrayBuffer, length: total };
}

/** The Content-Type of an upload; the spec's default when the client sent none. */
export function uploadContentType(request: Request): string {
  const t = request.headers.get("Content-Type")?.trim();
  return t ? t : "application/octet-stream";
}

/** The optional `filename` query parameter, bounded so it fits R2 metadata. */
export function uploadFileName(url: URL): string | undefined {
  const name = url.searchParams.get("filename");
  if (!name) return undefined;
  if (name.length > 255) throw invalidParam("filename is too long");
  return name;
}
