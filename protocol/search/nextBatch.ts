import { decodeBase64, encodeBase64Url } from "../base64.js";
import { SearchError } from "./searchError.js";
import type { SearchOrder, SortKey } from "./resultOrder.js";

/**
 * The `next_batch` token of POST /search: where the next page starts (the sort key of the last
 * result shown), the order it was made for, and for a group's token the group it pages through
 * (spec: "Pagination" — a token inside a group returns more results from that group). It is
 * opaque to clients: unpadded base64url of a small JSON object.
 */
export interface NextBatch {
  order: SearchOrder;
  after: SortKey;
  group?: { key: "room_id" | "sender"; value: string };
}

export function encodeNextBatch(nb: NextBatch): string {
  const o: Record<string, unknown> = { v: 1, o: nb.order, p: nb.after.primary, r: nb.after.roomId, e: nb.after.ordering };
  if (nb.group) o.g = [nb.group.key, nb.group.value];
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(o)));
}

/** A token this server handed out, or M_INVALID_PARAM. */
export function decodeNextBatch(token: string): NextBatch {
  const bad = () => new SearchError("M_INVALID_PARAM", "Invalid next_batch token");
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64(token)));
  } catch {
    throw bad();
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw bad();
  const { v, o: order, p, r, e, g } = o as Record<string, unknown>;
  if (v !== 1 || (order !== "rank" && order !== "recent")) throw bad();
  if (typeof p !== "number" || !Number.isFinite(p) || typeof r !== "string" || typeof e !== "number" || !Number.isSafeInteger(e)) throw bad();
  const nb: NextBatch = { order, after: { primary: p, roomId: r, ordering: e } };
  if (g !== undefined) {
    if (!Array.isArray(g) || g.length !== 2 || (g[0] !== "room_id" && g[0] !== "sender") || typeof g[1] !== "string") throw bad();
    nb.group = { key: g[0], value: g[1] };
  }
  return nb;
}
