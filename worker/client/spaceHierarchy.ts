/**
 * Spec: client-server space_hierarchy.yaml — GET /_matrix/client/v1/rooms/{roomId}/hierarchy.
 * Walks m.space.child links depth-first from the root (the spec's order: a child space's rooms
 * come before its later siblings), showing the rooms the user may see. Rooms this server holds
 * no current copy of are described by a server in the child's `via` list (federation /hierarchy).
 *
 * Pagination is stateless: `from` carries the root, the walk's parameters and how many rooms
 * earlier pages showed; the next page walks again from the root and skips that many. That
 * costs a re-walk per page but keeps no per-client state anywhere, and the remote answers are
 * remembered for a minute (federation/remoteHierarchy.ts).
 */
import type { IRequest } from "itty-router";
import { route, param, type Ctx } from "../router.js";
import { json, queryBool, queryInt } from "../http.js";
import { forbidden, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { localSpaceRoom, visibleInHierarchy } from "../federation/hierarchyView.js";
import { fetchRemoteHierarchy } from "../federation/remoteHierarchy.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { spaceChildrenOf } from "../../protocol/spaceChildren.js";
import { decodeBase64, encodeBase64Url } from "../../protocol/base64.js";
import type { SpaceHierarchyRoom } from "../../platform/rpc/room.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;
const MAX_DEPTH = 10;
/** Rooms looked at per request, over all pages skipped and shown: bounds the subrequests a walk makes. */
const MAX_ROOMS_WALKED = 200;

/** What a `from` token carries: root, suggested_only, max_depth, rooms already shown. */
interface PageToken {
  r: string;
  s: boolean;
  d: number;
  o: number;
}

function encodeToken(t: PageToken): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(t)));
}

function decodeToken(raw: string): PageToken {
  try {
    const t: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64(raw)));
    if (typeof t === "object" && t !== null) {
      const { r, s, d, o } = t as Record<string, unknown>;
      if (typeof r === "string" && typeof s === "boolean" && Number.isSafeInteger(d) && Number.isSafeInteger(o) && Number(o) > 0) return { r, s, d: Number(d), o: Number(o) };
    }
  } catch {
    // fall through: not one of our tokens
  }
  throw invalidParam("Unknown pagination token");
}

interface Pending {
  roomId: string;
  depth: number;
  via: string[];
}

interface Walk {
  ctx: Ctx;
  userId: string;
  suggestedOnly: boolean;
  maxDepth: number;
  /** Children described by a remote space's answer: used instead of asking again. */
  fromRemote: Map<string, SpaceHierarchyRoom>;
  /** Rooms a remote server said no server may see: never asked about again (spec). */
  inaccessible: Set<string>;
}

/** The room as the user may see it, or undefined when it is unknown or not for them. */
async function describe(w: Walk, p: Pending): Promise<SpaceHierarchyRoom | undefined> {
  const viewer = { userId: w.userId };
  const local = await localSpaceRoom(w.ctx.env, p.roomId, viewer);
  let room: SpaceHierarchyRoom | undefined;
  if (local && (local.resident || p.via.length === 0)) {
    room = local.room;
  } else {
    const known = w.fromRemote.get(p.roomId);
    // A child summary lacks the grandchildren we still need when it is a space to walk into.
    if (known && (known.room_type !== "m.space" || known.children_state.length > 0 || p.depth >= w.maxDepth)) {
      room = known;
    } else {
      const remote = await fetchRemoteHierarchy(w.ctx.env, w.ctx.config.serverName, p.roomId, p.via, w.suggestedOnly);
      if (remote) {
        room = remote.room;
        for (const c of remote.children) if (!w.fromRemote.has(c.room_id)) w.fromRemote.set(c.room_id, c);
        for (const id of remote.inaccessible) w.inaccessible.add(id);
      } else {
        // Nobody answered: a stale copy of our own is better than nothing.
        room = known ?? local?.room;
      }
    }
  }
  if (!room) return undefined;
  // The user's membership is what this server knows of it; the remote only filtered per server.
  return (await visibleInHierarchy(w.ctx.env, room, local?.membership ?? "leave", viewer)) ? room : undefined;
}

async function hierarchy(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const limitRaw = queryInt(ctx.url, "limit");
  if (limitRaw !== undefined && limitRaw <= 0) throw invalidParam("'limit' must be greater than zero");
  const limit = Math.min(limitRaw ?? DEFAULT_LIMIT, MAX_LIMIT);
  const depthRaw = queryInt(ctx.url, "max_depth");
  if (depthRaw !== undefined && depthRaw < 0) throw invalidParam("'max_depth' must not be negative");
  let maxDepth = Math.min(depthRaw ?? MAX_DEPTH, MAX_DEPTH);
  let suggestedOnly = queryBool(ctx.url, "suggested_only") ?? false;
  const fromRaw = ctx.url.searchParams.get("from");
  let offset = 0;
  if (fromRaw !== null) {
    const t = decodeToken(fromRaw);
    if (t.r !== roomId) throw invalidParam("The pagination token belongs to another room");
    if ((depthRaw !== undefined && maxDepth !== t.d) || (ctx.url.searchParams.has("suggested_only") && suggestedOnly !== t.s)) {
      throw invalidParam("suggested_only and max_depth cannot change on paginated requests");
    }
    ({ d: maxDepth, s: suggestedOnly, o: offset } = t);
  }

  const w: Walk = { ctx, userId: session.userId, suggestedOnly, maxDepth, fromRemote: new Map(), inaccessible: new Set() };
  const stack: Pending[] = [{ roomId, depth: 0, via: [] }];
  const seen = new Set<string>();
  const rooms: SpaceHierarchyRoom[] = [];
  let shown = 0;
  // One room past the page tells whether there is a next page.
  while (stack.length > 0 && rooms.length <= limit && seen.size < MAX_ROOMS_WALKED) {
    const p = stack.pop() as Pending;
    // Loops are possible though forbidden, and a room may be linked twice: each is shown once.
    if (seen.has(p.roomId) || w.inaccessible.has(p.roomId)) continue;
    seen.add(p.roomId);
    const room = await describe(w, p);
    if (!room) {
      if (p.depth === 0) throw forbidden("You are not allowed to view this room");
      continue;
    }
    if (shown >= offset) rooms.push(room);
    shown++;
    if (p.depth < maxDepth && room.room_type === "m.space") {
      const children = spaceChildrenOf(room.children_state, suggestedOnly);
      for (let i = children.length - 1; i >= 0; i--) stack.push({ roomId: children[i].roomId, depth: p.depth + 1, via: children[i].via });
    }
  }
  const out: { rooms: SpaceHierarchyRoom[]; next_batch?: string } = { rooms: rooms.slice(0, limit) };
  if (rooms.length > limit) out.next_batch = encodeToken({ r: roomId, s: suggestedOnly, d: maxDepth, o: offset + limit });
  return json(out);
}

export function registerSpaceHierarchyRoutes(): void {
  route("GET", "/_matrix/client/v1/rooms/:roomId/hierarchy", hierarchy);
}
