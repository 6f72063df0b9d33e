import type { Env } from "../env.js";
import type { RemoteDO } from "../../durable-objects/RemoteDO.js";

/**
 * The RemoteDO of one remote server (`idFromName(serverName)`), typed as the class itself like
 * the stubs in worker/stubs.ts (every public method takes and returns plain data).
 */
type Remote<T> = Pick<T, { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T]>;

export function remoteStub(env: Env, serverName: string): Remote<RemoteDO> {
  return env.REMOTE.get(env.REMOTE.idFromName(serverName)) as unknown as Remote<RemoteDO>;
}
