import type { Env } from "./env.js";
import type { RoomRpc } from "./rpc/room.js";
import type { UserRpc } from "./rpc/user.js";
import type { ServerRpc } from "./rpc/server.js";
import type { RemoteRpc } from "./rpc/remote.js";
import type { AppServiceRpc } from "./rpc/appservice.js";
import { countedStub, metricsEnabled } from "./metrics.js";

/*
 * The Durable Object that owns each thing (one writer per room, per user, per server).
 *
 * The stubs are typed as each object's RPC contract (platform/rpc/), which its class implements,
 * rather than the runtime's generated RPC stub types: every contract method is async and takes
 * and returns plain data, so the call signatures are the same, and the generated types recurse
 * too deeply on our JSON types for tsc. Typing them by the contract, not the class, keeps this
 * layer from importing the Durable Objects above it.
 *
 * Every call into a Durable Object, from the Worker or from another object, goes through these
 * helpers; with LATTICE_METRICS = "on" they count the calls (platform/metrics.ts).
 */

type Stub<T> = T & {
  fetch(input: string, init?: RequestInit): Promise<Response>;
};

function counted<T extends object>(env: Env, stub: T, className: string): T {
  return metricsEnabled(env) ? countedStub(stub, className) : stub;
}

export function userStub(env: Env, userId: string): Stub<UserRpc> {
  return counted(env, env.USER.get(env.USER.idFromName(userId)) as unknown as Stub<UserRpc>, "UserDO");
}

export function roomStub(env: Env, roomId: string): Stub<RoomRpc> {
  return counted(env, env.ROOM.get(env.ROOM.idFromName(roomId)) as unknown as Stub<RoomRpc>, "RoomDO");
}

export function serverStub(env: Env): Stub<ServerRpc> {
  return counted(env, env.SERVER.get(env.SERVER.idFromName("server")) as unknown as Stub<ServerRpc>, "ServerDO");
}

/**
 * The RemoteDO of one remote server (`idFromName(serverName)`). Not counted in the metrics: its
 * calls are federation traffic, which the benchmarks measure separately.
 */
export function remoteStub(env: Env, serverName: string): Stub<RemoteRpc> {
  return env.REMOTE.get(env.REMOTE.idFromName(serverName)) as unknown as Stub<RemoteRpc>;
}

/** The AppServiceDO of one application service (`idFromName(serviceId)`): its transaction queue. */
export function appserviceStub(env: Env, serviceId: string): Stub<AppServiceRpc> {
  return counted(env, env.APPSERVICE.get(env.APPSERVICE.idFromName(serviceId)) as unknown as Stub<AppServiceRpc>, "AppServiceDO");
}
