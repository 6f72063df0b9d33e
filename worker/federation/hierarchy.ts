/**
 * Spec: server-server space_hierarchy.yaml — GET /_matrix/federation/v1/hierarchy/{roomId}. A
 * space we hold and the requesting server could peek or join, with its direct children: those
 * it may see in `children`, those it may not in `inaccessible_children`, those we know nothing
 * about left out. No pagination: the asking server filters and pages for its user.
 */
import type { IRequest } from "itty-router";
import { param, type Ctx } from "../router.js";
import { json, queryBool } from "../http.js";
import { notFound, invalidParam } from "../../platform/errors.js";
import { fedRoute } from "./fedRoute.js";
import { localSpaceRoom, visibleInHierarchy } from "./hierarchyView.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { spaceChildrenOf } from "../../protocol/spaceChildren.js";
import type { SpaceHierarchyRoom } from "../../platform/rpc/room.js";

/** Children described per request: each costs a RoomDO call. */
const MAX_CHILDREN = 100;

async function hierarchy(req: IRequest, ctx: Ctx, origin: string): Promise<Response> {
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const suggestedOnly = queryBool(ctx.url, "suggested_only") ?? false;
  const viewer = { server: origin };
  const root = await localSpaceRoom(ctx.env, roomId, viewer);
  // Spec: 404 both for rooms we don't know and for rooms the requester could not peek or join.
  if (!root || !(await visibleInHierarchy(ctx.env, root.room, root.membership, viewer))) throw notFound("Room does not exist or is not accessible");
  const children: SpaceHierarchyRoom[] = [];
  const inaccessible: string[] = [];
  for (const child of spaceChildrenOf(root.room.children_state, suggestedOnly).slice(0, MAX_CHILDREN)) {
    const view = await localSpaceRoom(ctx.env, child.roomId, viewer);
    if (!view) continue;
    if (await visibleInHierarchy(ctx.env, view.room, view.membership, viewer)) children.push(view.room);
    else inaccessible.push(child.roomId);
  }
  return json({ room: root.room, children, inaccessible_children: inaccessible });
}

export function registerFederationHierarchyRoutes(): void {
  fedRoute("GET", "/_matrix/federation/v1/hierarchy/:roomId", hierarchy);
}
