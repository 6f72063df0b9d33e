import type { Env } from "../platform/env.js";
import { remoteStub } from "../platform/stubs.js";

/**
 * Remote servers' verify keys, remembered in this isolate for a few minutes so that a busy peer's
 * requests and events cost one RemoteDO call per key, not one each. A remembered key was valid
 * when fetched, so it also serves anything signed before then; for anything else the RemoteDO,
 * which knows each key's validity period, is asked.
 */
const KEY_MEMORY_MS = 5 * 60_000;
const remembered = new Map<string, { key: Uint8Array; validAt: number }>();

export async function remoteVerifyKey(env: Env, server: string, keyId: string, minimumValidUntilTs: number | undefined): Promise<Uint8Array | undefined> {
  const id = `${server}\u0000${keyId}`;
  const now = Date.now();
  const hit = remembered.get(id);
  if (hit && now - hit.validAt < KEY_MEMORY_MS && (minimumValidUntilTs === undefined || minimumValidUntilTs <= hit.validAt)) return hit.key;
  const key = await remoteStub(env, server).verifyKey(keyId, minimumValidUntilTs === undefined ? undefined : Math.max(minimumValidUntilTs, now));
  if (key) {
    if (remembered.size > 1000) remembered.clear();
    remembered.set(id, { key, validAt: now });
    return key;
  }
  // Not valid now: it may still have been valid when an old event was signed (an expired key).
  return minimumValidUntilTs !== undefined && minimumValidUntilTs < now ? remoteStub(env, server).verifyKey(keyId, minimumValidUntilTs) : undefined;
}
