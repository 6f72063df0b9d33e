import type { Env } from "./env.js";
import type { RoomDO } from "../durable-objects/RoomDO.js";
import type { UserDO } from "../durable-objects/UserDO.js";
import type { ServerDO } from "../durable-objects/ServerDO.js";
import { countedStub, metricsEnabled } from "./metrics.js";

/*
 * The Durable Object that owns each thing (see DESIGN.md: one writer per room, per user).
 *
 * The stubs are typed as the classes themselves rather than the runtime's generated RPC stub
 * types: every public method is async and takes and returns plain data, so the call signatures
 * are the same, and the generated types recurse too deeply on our JSON types for tsc.
 *
 * Every call into a Durable Object, from the Worker or from another object, goes through these
 * helpers; with LATTICE_METRICS = "on" they count the calls (worker/metrics.ts).
 */

type Remote<T> = Pick<T, { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T]> & {
  fetch(input: string, init?: RequestInit): Promise<Response>;
};

function counted<T extends object>(env: Env, stub: T, className: string): T {
  return metricsEnabled(env) ? countedStub(stub, className) : stub;
}

export function userStub(env: Env, userId: string): Remote<UserDO> {
  return counted(env, env.USER.get(env.USER.idFromName(userId)) as unknown as Remote<UserDO>, "UserDO");
}

export function roomStub(env: Env, roomId: string): Remote<RoomDO> {
  return counted(env, env.ROOM.get(env.ROOM.idFromName(roomId)) as unknown as Remote<RoomDO>, "RoomDO");
}

export function serverStub(env: Env): Remote<ServerDO> {
  return counted(env, env.SERVER.get(env.SERVER.idFromName("server")) as unknown as Remote<ServerDO>, "ServerDO");
}
