/** matrix-js-sdk clients logged in to a test server, and waiting helpers. */
import { createClient, ClientEvent, SyncState, type MatrixClient } from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import type { TestUser } from "./harness.js";

// The SDK logs every request at debug level; tests only need failures. At run time the SDK's
// logger is a loglevel logger, whose setLevel its published type does not declare.
(logger as unknown as { setLevel(level: string): void }).setLevel("warn");

export async function startClient(baseUrl: string, user: TestUser): Promise<MatrixClient> {
  const client = createClient({ baseUrl, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
  const ready = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        reject(new Error("sync error"));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: false });
  await ready;
  return client;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
