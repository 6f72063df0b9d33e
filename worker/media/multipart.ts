/**
 * The multipart/mixed bodies of federation media (server-server-api "Content Repository",
 * RFC 2046 §5.1): exactly two parts, a JSON metadata part (currently always `{}`) and then either
 * the media bytes with their Content-Type and Content-Disposition, or a Location header saying
 * where the bytes can be fetched.
 */

const enc = new TextEncoder();

/** A fresh boundary: random, long, and of characters that never need quoting. */
export function newBoundary(): string {
  const b = crypto.getRandomValues(new Uint8Array(18));
  return `lattice${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The streamed body of a federation media response: `{}` then the media part, whose bytes are
 * copied from `bytes` without being held in memory as a whole.
 */
export function multipartMediaBody(boundary: string, partHeaders: Record<string, string>, bytes: ReadableStream<Uint8Array> | Uint8Array): ReadableStream<Uint8Array> {
  const head = `--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n--${boundary}\r\n${Object.entries(partHeaders)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const source = bytes instanceof Uint8Array ? undefined : bytes.getReader();
  let stage: "head" | "body" | "tail" | "done" = "head";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        controller.enqueue(enc.encode(head));
        stage = "body";
        return;
      }
      if (stage === "body") {
        if (!source) {
          controller.enqueue(bytes as Uint8Array);
          stage = "tail";
          return;
        }
        const { done, value } = await source.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        stage = "tail";
      }
      if (stage === "tail") {
        controller.enqueue(enc.encode(tail));
        stage = "done";
        return;
      }
      controller.close();
    },
    async cancel(reason) {
      await source?.cancel(reason);
    },
  });
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string | null): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export interface Part {
  /** Header names lower-cased. */
  headers: Map<string, string>;
  body: Uint8Array;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts of a multipart body (preamble and epilogue ignored); undefined when malformed. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] | undefined {
  const delimiter = enc.encode(`--${boundary}`);
  const parts: Part[] = [];
  let pos = indexOf(body, delimiter, 0);
  if (pos < 0) return undefined;
  for (;;) {
    let start = pos + delimiter.length;
    // "--" after the delimiter closes the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) return parts;
    // The rest of the delimiter line (transport padding, then CRLF).
    while (start < body.length && (body[start] === 0x20 || body[start] === 0x09)) start++;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    else if (body[start] === 0x0a) start += 1;
    else return undefined;
    const next = indexOf(body, enc.encode(`\r\n--${boundary}`), start);
    const nextLf = next < 0 ? indexOf(body, enc.encode(`\n--${boundary}`), start) : -1;
    if (next < 0 && nextLf < 0) return undefined;
    const end = next >= 0 ? next : nextLf;
    const part = splitPart(body.subarray(start, end));
    if (!part) return undefined;
    parts.push(part);
    pos = end + (next >= 0 ? 2 : 1);
  }
}

function splitPart(raw: Uint8Array): Part | undefined {
  let sep = indexOf(raw, enc.encode("\r\n\r\n"), 0);
  let sepLen = 4;
  if (sep < 0) {
    sep = indexOf(raw, enc.encode("\n\n"), 0);
    sepLen = 2;
  }
  // A part with no headers starts directly with its blank line.
  if (raw[0] === 0x0d && raw[1] === 0x0a) {
    sep = 0;
    sepLen = 2;
  }
  if (sep < 0) return undefined;
  const headers = new Map<string, string>();
  for (const line of new TextDecoder().decode(raw.subarray(0, sep)).split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: raw.subarray(sep + sepLen) };
}

/** The file name of a Content-Disposition header (filename* preferred), if any. */
export function fileNameOf(disposition: string | null | undefined): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  if (!plain) return undefined;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2];
}
