/** matrix-js-sdk clients logged in to a test server, and waiting helpers. */
import { createClient, ClientEvent, SyncState, type MatrixClient, type MatrixEvent, type IStartClientOpts } from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { call, makeEventually, registerUser, type TestUser } from "./harness.js";

// The SDK logs every request at debug level; tests only need failures. At run time the SDK's
// logger is a loglevel logger, whose setLevel its published type does not declare.
(logger as unknown as { setLevel(level: string): void }).setLevel("warn");

// matrix-js-sdk leaves long timers behind after stopClient() (retry backoffs, keep-alives) that
// would hold a test process open for minutes after its last test. Timers of 10 s or more no
// longer keep the process alive; they still fire while it runs, and no test waits on one alone.
const realSetTimeout = globalThis.setTimeout;
const unrefLongTimers = (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = realSetTimeout(handler, ms, ...args);
  if (typeof ms === "number" && ms >= 10_000) timer.unref();
  return timer;
};
globalThis.setTimeout = Object.assign(unrefLongTimers, { __promisify__: realSetTimeout.__promisify__ }) as unknown as typeof setTimeout;

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms` (10 s by default). */
export const eventually = makeEventually({ timeout: 10_000, every: 25 });

/** Waiting for end-to-end encryption to settle takes longer: 30 s by default. */
const eventuallyE2ee = makeEventually({ timeout: 30_000, every: 50 });

/** Starts `client` syncing and resolves once its first sync has been processed. */
async function startSyncing(client: MatrixClient, opts: IStartClientOpts): Promise<void> {
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
  await client.startClient(opts);
  await ready;
}

function clientFor(baseUrl: string, user: TestUser): MatrixClient {
  return createClient({ baseUrl, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
}

export async function startClient(baseUrl: string, user: TestUser): Promise<MatrixClient> {
  const client = clientFor(baseUrl, user);
  await startSyncing(client, { initialSyncLimit: 20, lazyLoadMembers: false });
  return client;
}

/** Registers a user (named `name`, or a fresh name) on `baseUrl` and starts a syncing client for them. */
export async function registerWithClient(baseUrl: string, name?: string): Promise<[TestUser, MatrixClient]> {
  const user = await registerUser(baseUrl, name);
  return [user, await startClient(baseUrl, user)];
}

/**
 * A logged-in device with Rust crypto (in memory), syncing, whose keys other users can already
 * query. `started` gets the client as soon as it syncs, so the caller can stop it even if the
 * key upload then times out.
 */
export async function startCryptoClient(baseUrl: string, user: TestUser, started: MatrixClient[]): Promise<MatrixClient> {
  const client = clientFor(baseUrl, user);
  await client.initRustCrypto({ useIndexedDB: false });
  await startSyncing(client, { initialSyncLimit: 30 });
  started.push(client);
  // The device has published its keys once another user can see them.
  await eventuallyE2ee(`${user.userId} ${user.deviceId} published keys`, async () => {
    const r = await call(baseUrl, "POST", "/_matrix/client/v3/keys/query", { token: user.accessToken, body: { device_keys: { [user.userId]: [user.deviceId] } } });
    const devs = (r.body.device_keys as Record<string, Record<string, unknown>> | undefined)?.[user.userId];
    return devs?.[user.deviceId] !== undefined;
  });
  return client;
}

/** Event `eventId` in `client`'s live timeline of `roomId`, if it has it. */
export function findEvent(client: MatrixClient, roomId: string, eventId: string): MatrixEvent | undefined {
  return client.getRoom(roomId)?.getLiveTimeline().getEvents().find((e) => e.getId() === eventId);
}

/** Waits (up to `ms`) until `client` has decrypted event `eventId` and returns its clear body; fails if it was not encrypted. */
export async function decryptedBody(client: MatrixClient, roomId: string, eventId: string, ms = 30_000): Promise<string> {
  return eventuallyE2ee(`${client.getUserId()} ${client.getDeviceId()} decrypts ${eventId}`, async () => {
    const ev = findEvent(client, roomId, eventId);
    if (!ev || ev.isBeingDecrypted() || ev.isDecryptionFailure()) return undefined;
    if (!ev.isEncrypted()) throw new Error("event was not encrypted");
    const body = ev.getContent().body;
    return typeof body === "string" ? body : undefined;
  }, ms);
}
