import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { readConfig } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { REMOTE_MIGRATIONS } from "../schema/remote.js";
import type { JsonObject } from "../protocol/json.js";
import { isJsonObject } from "../protocol/json.js";
import { federationRequest, FederationError } from "../federation-client/request.js";
import { cachedKey, fetchDirect, fetchViaNotary } from "./remote/keyCache.js";
import { nextTxn } from "./remote/outboundQueue.js";
import { backoffMs } from "./backoff.js";
import type { PendingTxn } from "./remote/outboundStore.js";
import { MetaStore } from "./remote/metaStore.js";
import { ServerKeyStore } from "./remote/serverKeyStore.js";
import { OutboundStore } from "./remote/outboundStore.js";
import { InboundTxnStore } from "./remote/inboundTxnStore.js";
import type { RemoteRpc, RemoteStatus } from "../platform/rpc/remote.js";

/** A key fetch for this server is not repeated more often than this (failed or not). */
const KEY_REFETCH_MS = 30_000;
/** Inbound transaction IDs are remembered this long. */
const INBOUND_TXN_TTL_MS = 7 * 24 * 3600_000;
/** Transactions sent per alarm run before yielding to a fresh alarm. */
const TXNS_PER_RUN = 20;

/** How long after queueing the safety-net alarm fires, should a direct send not finish. */
const SAFETY_ALARM_MS = 5_000;

/**
 * RemoteDO (`idFromName(serverName)`, one per remote server): that server's verify keys, the
 * outbound transaction queue to it (batched, one transaction in flight, retried with exponential
 * backoff on alarms, persisted) and the de-duplication of transactions it sends us.
 */
export class RemoteDO extends DurableObject<Env> implements RemoteRpc {
  private meta: MetaStore;
  private keys: ServerKeyStore;
  private outbound: OutboundStore;
  private inbound: InboundTxnStore;
  private keyFetch: Promise<void> | undefined;
  private lastKeyFetch = 0;
  private sending: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.meta = new MetaStore(sql);
    this.keys = new ServerKeyStore(sql);
    this.outbound = new OutboundStore(sql);
    this.inbound = new InboundTxnStore(sql);
    ctx.blockConcurrencyWhile(async () => migrate(sql, REMOTE_MIGRATIONS));
  }

  /** The remote server this object stands for (the name it was addressed by). */
  private serverName(): string {
    const name = this.ctx.id.name;
    if (name) {
      this.meta.set("server_name", name);
      return name;
    }
    const stored = this.meta.get("server_name");
    if (!stored) throw new Error("RemoteDO does not know its server name");
    return stored;
  }

  // ---- verify keys ----------------------------------------------------------------------

  /**
   * The remote server's public key `keyId`, valid until at least `minimumValidUntilTs` (any
   * cached key when undefined; pass Date.now() to authenticate a request, an event's
   * origin_server_ts for room versions 5+). Fetched from the server itself, then from the
   * TRUSTED_KEY_SERVERS notaries; undefined when no such key can be found.
   */
  async verifyKey(keyId: string, minimumValidUntilTs?: number): Promise<Uint8Array | undefined> {
    const name = this.serverName();
    const hit = cachedKey(this.keys, keyId, minimumValidUntilTs);
    if (hit) return hit;
    await this.refreshKeys(name, minimumValidUntilTs ?? Date.now());
    return cachedKey(this.keys, keyId, minimumValidUntilTs);
  }

  /**
   * The server's self-signed key responses for serving as a notary: refreshed when the cached one
   * expires before `minimumValidUntilTs` (default now), else the cached ones as they are.
   */
  async serverKeys(minimumValidUntilTs?: number): Promise<JsonObject[]> {
    const name = this.serverName();
    const min = minimumValidUntilTs ?? Date.now();
    if (!this.keys.responses().some((r) => r.validUntilTs >= min)) await this.refreshKeys(name, min);
    return this.keys.responses().map((r) => r.json);
  }

  /** One key fetch at a time, and not more often than KEY_REFETCH_MS. */
  private async refreshKeys(name: string, minimumValidUntilTs: number): Promise<void> {
    if (this.keyFetch) return this.keyFetch;
    if (Date.now() - this.lastKeyFetch < KEY_REFETCH_MS) return;
    this.lastKeyFetch = Date.now();
    this.keyFetch = (async () => {
      try {
        const { raw, parsed } = await fetchDirect(this.env, name);
        this.keys.saveResponse(raw, parsed, Date.now());
        if (parsed.validUntilTs >= minimumValidUntilTs) return;
      } catch (e) {
        console.warn(`key fetch from ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      const notaries = (this.env.TRUSTED_KEY_SERVERS ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s && s !== name && s !== readConfig(this.env).serverName);
      for (const notary of notaries) {
        try {
          const found = await fetchViaNotary(this.env, notary, name, minimumValidUntilTs);
          for (const { raw, parsed } of found) this.keys.saveResponse(raw, parsed, Date.now());
          if (found.length > 0) return;
        } catch (e) {
          console.warn(`key query for ${name} through ${notary} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    })();
    try {
      await this.keyFetch;
    } finally {
      this.keyFetch = undefined;
    }
  }

  // ---- inbound transactions ---------------------------------------------------------------

  /** True the first time `txnId` is claimed from this origin (spec: transactions are idempotent). */
  async claimInboundTxn(txnId: string): Promise<boolean> {
    return this.inbound.claim(txnId, Date.now(), INBOUND_TXN_TTL_MS);
  }

  /** Forgets a claimed transaction whose processing failed, so the sender's retry is processed. */
  async releaseInboundTxn(txnId: string): Promise<void> {
    this.inbound.release(txnId);
  }

  // ---- outbound transactions ----------------------------------------------------------------

  async queuePdus(pdus: JsonObject[]): Promise<void> {
    await this.queue(pdus, []);
  }

  async queueEdus(edus: JsonObject[]): Promise<void> {
    await this.queue([], edus);
  }

  /** Queues PDUs and EDUs together, so they can leave in the same transaction. */
  async queue(pdus: JsonObject[], edus: JsonObject[]): Promise<void> {
    if (pdus.length === 0 && edus.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      if (pdus.length > 0) this.outbound.enqueuePdus(pdus);
      if (edus.length > 0) this.outbound.enqueueEdus(edus);
    });
    await this.wake();
  }

  /** Sends what is queued now, ignoring any backoff (tests, and "the server is back" hints). */
  async flush(): Promise<RemoteStatus> {
    this.meta.set("retry_at", undefined);
    await this.drain();
    return this.status();
  }

  /** The server talked to us, so it is up: retry at once instead of waiting out the backoff. */
  async retryNow(): Promise<void> {
    if (this.meta.get("retry_at") === undefined) return;
    this.meta.set("retry_at", undefined);
    await this.ctx.storage.setAlarm(Date.now());
  }

  async status(): Promise<RemoteStatus> {
    const q = this.outbound.lengths();
    const inFlight = this.outbound.inFlightTxnId();
    const retryAt = this.meta.get("retry_at");
    const s: RemoteStatus = { serverName: this.serverName(), queuedPdus: q.pdus, queuedEdus: q.edus, failures: Number(this.meta.get("failures") ?? "0") };
    if (inFlight) s.inFlightTxn = inFlight;
    if (retryAt) s.retryAt = Number(retryAt);
    return s;
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  /**
   * Sends at once unless a backoff is running (its alarm keeps the later time). An alarm a few
   * seconds out is set first as a safety net: if this object is evicted mid-send, the alarm
   * picks the queue up again, so nothing is lost; sending directly saves the alarm's latency.
   */
  private async wake(): Promise<void> {
    this.serverName(); // remember the name for alarms
    if (this.meta.get("retry_at") !== undefined) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SAFETY_ALARM_MS);
    if (!this.sending) this.drain().catch((e: unknown) => console.error("federation send failed", e));
  }

  /** Sends transactions until the queue is empty or one fails; one transaction in flight. */
  private async drain(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = (async () => {
      const destination = this.serverName();
      const origin = readConfig(this.env).serverName;
      for (let i = 0; i < TXNS_PER_RUN; i++) {
        const txn = nextTxn(this.outbound, origin);
        if (!txn) return;
        const outcome = await this.send(destination, txn);
        if (typeof outcome === "number") {
          const failures = Number(this.meta.get("failures") ?? "0") + 1;
          const delay = Math.max(outcome, backoffMs(failures));
          const retryAt = Date.now() + delay;
          this.meta.set("failures", String(failures));
          this.meta.set("retry_at", String(retryAt));
          await this.ctx.storage.setAlarm(retryAt);
          return;
        }
        this.ctx.storage.transactionSync(() => this.outbound.removeSent(txn));
        this.meta.set("failures", undefined);
        this.meta.set("retry_at", undefined);
      }
      // More to send: continue in a fresh alarm run.
      await this.ctx.storage.setAlarm(Date.now());
    })();
    try {
      await this.sending;
    } finally {
      this.sending = undefined;
    }
  }

  /** "done" when the transaction leaves the queue (accepted or rejected), else a minimum retry delay. */
  private async send(destination: string, txn: PendingTxn): Promise<"done" | number> {
    try {
      const reply = await federationRequest(this.env, destination, "PUT", `/_matrix/federation/v1/send/${encodeURIComponent(txn.txnId)}`, txn.body);
      if (isJsonObject(reply.pdus)) {
        for (const [eventId, result] of Object.entries(reply.pdus)) {
          if (isJsonObject(result) && result.error !== undefined) console.warn(`${destination} rejected ${eventId}: ${String(result.error)}`);
        }
      }
      return "done";
    } catch (e) {
      if (e instanceof FederationError && !e.network && e.status >= 400 && e.status < 500 && e.status !== 429) {
        console.warn(`${destination} refused transaction ${txn.txnId} (${e.status} ${e.errcode ?? ""}); dropping it: ${e.message}`);
        return "done";
      }
      if (e instanceof FederationError && e.status === 429 && isJsonObject(e.body) && typeof e.body.retry_after_ms === "number") {
        return e.body.retry_after_ms;
      }
      console.warn(`sending transaction ${txn.txnId} to ${destination} failed: ${e instanceof Error ? e.message : String(e)}`);
      return 0;
    }
  }
}
