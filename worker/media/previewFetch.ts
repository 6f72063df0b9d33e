/**
 * Fetching for URL previews with the SSRF guard on every hop, and size and time limits.
 *
 * Redirects are followed by hand (`redirect: "manual"`) so each Location is checked by
 * checkPreviewTarget before anything is requested from it; one deadline covers the whole chain.
 */
import { MatrixError, remoteFailed } from "../../platform/errors.js";
import { checkPreviewTarget } from "../../platform/ssrfGuard.js";
import { concatBytes } from "../../platform/bytes.js";

export const MAX_REDIRECTS = 5;
export const FETCH_TIMEOUT_MS = 10_000;

export interface Fetched {
  url: URL;
  contentType: string;
  bytes: Uint8Array;
  /** True when the body was longer than the limit and only its start was kept. */
  truncated: boolean;
}

const failed = (why: string) => remoteFailed(`Could not fetch the URL: ${why}`);

export async function fetchForPreview(start: URL, allowHosts: readonly string[], maxBytes: number, deadline: number): Promise<Fetched> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkPreviewTarget(url, allowHosts);
    const left = deadline - Date.now();
    if (left <= 0) throw failed("timed out");
    let res: Response;
    try {
      res = await fetch(url.toString(), {
        redirect: "manual",
        signal: AbortSignal.timeout(left),
        headers: { "User-Agent": "Lattice (Matrix homeserver) URL preview", Accept: "text/html,image/*;q=0.9,*/*;q=0.1" },
      });
    } catch {
      throw failed("the request failed or timed out");
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const location = res.headers.get("Location");
      if (!location) throw failed(`redirect ${res.status} without a Location`);
      try {
        url = new URL(location, url);
      } catch {
        throw failed("bad redirect Location");
      }
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw failed(`status ${res.status}`);
    }
    const { bytes, truncated } = await readAtMost(res, maxBytes, deadline);
    return { url, contentType: res.headers.get("Content-Type") ?? "", bytes, truncated };
  }
  throw failed("too many redirects");
}

/** Reads at most maxBytes of a body, then stops reading (the rest is never downloaded). */
async function readAtMost(res: Response, maxBytes: number, deadline: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!res.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  try {
    for (;;) {
      if (Date.now() > deadline) throw failed("timed out");
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - total;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        total += room;
        truncated = true;
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } catch (e) {
    if (e instanceof MatrixError) throw e;
    throw failed("reading the body failed");
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
  }
  return { bytes: concatBytes(chunks), truncated };
}
