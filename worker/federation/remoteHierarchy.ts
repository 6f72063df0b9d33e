import type { Env } from "../../platform/env.js";
import { federationRequest } from "../../federation-client/request.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isLiveSpaceChild } from "../../protocol/spaceChildren.js";
import type { SpaceHierarchyRoom } from "../../platform/rpc/room.js";

/**
 * Asking another server about a space we hold no copy of (spec: federation GET /hierarchy). The
 * answer is remembered in this isolate for a minute, as the spec suggests, so paging through a
 * hierarchy (which walks it again from the top, see client/spaceHierarchy.ts) costs one request
 * per remote space, not one per page.
 */

export interface RemoteHierarchy {
  room: SpaceHierarchyRoom;
  children: SpaceHierarchyRoom[];
  inaccessible: string[];
}

const REMEMBER_MS = 60_000;
const remembered = new Map<string, { at: number; value: RemoteHierarchy }>();

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A remote room summary, keeping only the fields the spec defines, with the right types. */
export function roomFromRemote(raw: unknown): SpaceHierarchyRoom | undefined {
  if (!isJsonObject(raw) || typeof raw.room_id !== "string" || !raw.room_id.startsWith("!")) return undefined;
  const room: SpaceHierarchyRoom = {
    room_id: raw.room_id,
    num_joined_members: typeof raw.num_joined_members === "number" && Number.isSafeInteger(raw.num_joined_members) ? Math.max(raw.num_joined_members, 0) : 0,
    world_readable: raw.world_readable === true,
    guest_can_join: raw.guest_can_join === true,
    join_rule: str(raw.join_rule) ?? "public",
    children_state: [],
  };
  for (const k of ["name", "topic", "avatar_url", "canonical_alias", "room_type", "room_version", "encryption"] as const) {
    const v = str(raw[k]);
    if (v !== undefined) room[k] = v;
  }
  if (Array.isArray(raw.allowed_room_ids)) room.allowed_room_ids = raw.allowed_room_ids.filter((r): r is string => typeof r === "string");
  if (Array.isArray(raw.children_state)) {
    room.children_state = raw.children_state
      .filter(isJsonObject)
      .filter((e) => isLiveSpaceChild(e) && typeof e.sender === "string")
      .map((e) => ({ type: "m.space.child", state_key: String(e.state_key), content: e.content as JsonObject, sender: String(e.sender), origin_server_ts: typeof e.origin_server_ts === "number" ? e.origin_server_ts : 0 }));
  }
  return room;
}

/** The space `roomId` as the first of `servers` that answers describes it, or undefined. */
export async function fetchRemoteHierarchy(env: Env, ownServer: string, roomId: string, servers: string[], suggestedOnly: boolean): Promise<RemoteHierarchy | undefined> {
  for (const server of [...new Set(servers)].filter((s) => s !== ownServer)) {
    const id = `${server}\u0000${roomId}\u0000${suggestedOnly}`;
    const hit = remembered.get(id);
    if (hit && Date.now() - hit.at < REMEMBER_MS) return hit.value;
    try {
      const res = await federationRequest<{ room?: unknown; children?: unknown; inaccessible_children?: unknown }>(
        env,
        server,
        "GET",
        `/_matrix/federation/v1/hierarchy/${encodeURIComponent(roomId)}?suggested_only=${suggestedOnly}`,
        undefined,
        { timeoutMs: 10_000 },
      );
      const room = roomFromRemote(res.room);
      if (!room || room.room_id !== roomId) continue;
      const value: RemoteHierarchy = {
        room,
        children: (Array.isArray(res.children) ? res.children : []).map(roomFromRemote).filter((r): r is SpaceHierarchyRoom => r !== undefined),
        inaccessible: (Array.isArray(res.inaccessible_children) ? res.inaccessible_children : []).filter((r): r is string => typeof r === "string"),
      };
      if (remembered.size > 500) remembered.clear();
      remembered.set(id, { at: Date.now(), value });
      return value;
    } catch (e) {
      console.error("remote hierarchy failed via", server, roomId, e);
    }
  }
  return undefined;
}
