/**
 * The children of a space (spec: client-server "Spaces" — m.space.child and "Ordering of
 * children within a space"). Pure functions, no Cloudflare imports.
 */
import { isJsonObject, type JsonObject } from "./json.js";

export interface SpaceChild {
  roomId: string;
  /** Servers that may be in the child room; a child without any is not a child at all. */
  via: string[];
  suggested: boolean;
}

/** `order` counts only as a string of at most 50 characters in \x20–\x7E. */
function validOrder(v: unknown): string | undefined {
  return typeof v === "string" && v.length <= 50 && /^[\x20-\x7E]*$/.test(v) ? v : undefined;
}

function viaOf(content: JsonObject): string[] {
  const via = content.via;
  if (!Array.isArray(via)) return [];
  return via.filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** Whether an m.space.child event links a child: removing a child clears its `via`. */
export function isLiveSpaceChild(ev: { type?: unknown; state_key?: unknown; content?: unknown }): boolean {
  return ev.type === "m.space.child" && typeof ev.state_key === "string" && ev.state_key.startsWith("!") && isJsonObject(ev.content) && viaOf(ev.content).length > 0;
}

/**
 * The live children among m.space.child events (stripped, with origin_server_ts), in the spec's
 * order: valid `order` keys first by code point, then by origin_server_ts, then by room ID.
 */
export function spaceChildrenOf(childrenState: readonly JsonObject[], suggestedOnly: boolean): SpaceChild[] {
  const live = childrenState.filter(isLiveSpaceChild).map((ev) => {
    const content = ev.content as JsonObject;
    return {
      roomId: String(ev.state_key),
      via: viaOf(content),
      suggested: content.suggested === true,
      order: validOrder(content.order),
      ts: typeof ev.origin_server_ts === "number" ? ev.origin_server_ts : 0,
    };
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  live.sort((a, b) => {
    if (a.order !== undefined && b.order !== undefined && a.order !== b.order) return cmp(a.order, b.order);
    if (a.order !== undefined && b.order === undefined) return -1;
    if (a.order === undefined && b.order !== undefined) return 1;
    if (a.ts !== b.ts) return a.ts - b.ts;
    return cmp(a.roomId, b.roomId);
  });
  return live.filter((c) => !suggestedOnly || c.suggested).map(({ roomId, via, suggested }) => ({ roomId, via, suggested }));
}
