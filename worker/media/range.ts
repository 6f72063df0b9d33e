/**
 * HTTP Range requests (RFC 9110 §14) for media downloads, so clients can resume downloads and
 * seek in audio and video. One range per request; a multi-range request is answered with the
 * whole content, which RFC 9110 allows.
 */
export interface ByteRange {
  offset: number;
  length: number;
}

/** undefined: serve everything; "unsatisfiable": 416. */
export function parseRange(header: string, size: number): ByteRange | "unsatisfiable" | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined; // multi-range or another unit: ignore the header
  const [, a, b] = m;
  if (a === "" && b === "") return undefined;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(a);
  if (start >= size) return "unsatisfiable";
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return undefined; // syntactically invalid: ignore, as RFC 9110 says
  return { offset: start, length: end - start + 1 };
}
