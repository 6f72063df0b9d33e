import type { Env } from "./env.js";
import type { RoomDO } from "../durable-objects/RoomDO.js";
import type { UserDO } from "../durable-objects/UserDO.js";
import type { ServerDO } from "../durable-objects/ServerDO.js";

/*
 * The Durable Object that owns each thing (see DESIGN.md: one writer per room, per user).
 *
 * The stubs are typed as the classes themselves rather than the runtime's generated RPC stub
 * types: every public method is async and takes and returns plain data, so the call signatures
 * are the same, and the generated types recurse too deeply on our JSON types for tsc.
 */

type Remote<T> = Pick<T, { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T]> & {
  fetch(input: string, init?: RequestInit): Promise<Response>;
};

export function userStub(env: Env, userId: string): Remote<UserDO> {
  return env.USER.get(env.USER.idFromName(userId)) as unknown as Remote<UserDO>;
}

export function roomStub(env: Env, roomId: string): Remote<RoomDO> {
  return env.ROOM.get(env.ROOM.idFromName(roomId)) as unknown as Remote<RoomDO>;
}

export function serverStub(env: Env): Remote<ServerDO> {
  return env.SERVER.get(env.SERVER.idFromName("server")) as unknown as Remote<ServerDO>;
}
