import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { readConfig } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { APPSERVICE_MIGRATIONS } from "../schema/appservice.js";
import type { JsonObject } from "../protocol/json.js";
import type { AppService } from "../protocol/appservice/registration.js";
import type { AppServiceRpc, AppServiceQueueStatus } from "../platform/rpc/appservice.js";
import { TransactionStore, type AppServiceTxn } from "./appservice/transactionStore.js";
import { nextAppServiceTxn } from "./appservice/transactionQueue.js";
import { backoffMs } from "./backoff.js";

/** Transactions sent per run before yielding to a fresh alarm. */
const TXNS_PER_RUN = 20;
/** How long after queueing the safety-net alarm fires, should a direct send not finish. */
const SAFETY_ALARM_MS = 5_000;
/** How long the service may take to answer a transaction (Synapse waits 60 s too). */
const SEND_TIMEOUT_MS = 60_000;

/**
 * AppServiceDO (`idFromName(serviceId)`, one per application service): the events of the rooms
 * the service is interested in, pushed to it in transactions (PUT /_matrix/app/v1/transactions/
 * {txnId}, hs_token as Bearer). One transaction in flight; it is retried with the same ID and
 * events, with exponential backoff on alarms, until the service answers 200; events arriving
 * meanwhile wait for the next one, so the service sees them in order. The same design as
 * RemoteDO's outbound queue, whose backoff it shares.
 */
export class AppServiceDO extends DurableObject<Env> implements AppServiceRpc {
  private store: TransactionStore;
  private sending: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TransactionStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, APPSERVICE_MIGRATIONS));
  }

  /** The service ID this object stands for (the name it was addressed by, kept for alarms). */
  private serviceId(): string {
    const name = this.ctx.id.name;
    if (name) {
      if (this.store.get("service_id") !== name) this.store.set("service_id", name);
      return name;
    }
    const stored = this.store.get("service_id");
    if (!stored) throw new Error("AppServiceDO does not know its service ID");
    return stored;
  }

  /** The registration, if APPSERVICES still has it. */
  private service(): AppService | undefined {
    const id = this.serviceId();
    return readConfig(this.env).appservices.services.find((s) => s.id === id);
  }

  async queueEvents(events: JsonObject[]): Promise<void> {
    if (events.length === 0) return;
    this.serviceId();
    this.ctx.storage.transactionSync(() => this.store.enqueue(events));
    if (this.store.get("retry_at") !== undefined) return; // the backoff's alarm sends them
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SAFETY_ALARM_MS);
    if (!this.sending) this.drain().catch((e: unknown) => console.error("appservice send failed", e));
  }

  async status(): Promise<AppServiceQueueStatus> {
    const s: AppServiceQueueStatus = { serviceId: this.serviceId(), queuedEvents: this.store.queued(), failures: Number(this.store.get("failures") ?? "0") };
    const inFlight = this.store.inFlight();
    if (inFlight) s.inFlightTxn = inFlight.txnId;
    const retryAt = this.store.get("retry_at");
    if (retryAt) s.retryAt = Number(retryAt);
    return s;
  }

  override async alarm(): Promise<void> {
    this.store.set("retry_at", undefined);
    await this.drain();
  }

  /** Sends transactions until the queue is empty or one fails; one transaction in flight. */
  private async drain(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = (async () => {
      const service = this.service();
      // A service removed from APPSERVICES, or one without a URL, gets nothing; its queue waits.
      if (!service || service.url === null) return;
      for (let i = 0; i < TXNS_PER_RUN; i++) {
        const txn = this.ctx.storage.transactionSync(() => nextAppServiceTxn(this.store));
        if (!txn) return;
        if (!(await this.send(service, txn))) {
          const failures = Number(this.store.get("failures") ?? "0") + 1;
          const retryAt = Date.now() + backoffMs(failures);
          this.store.set("failures", String(failures));
          this.store.set("retry_at", String(retryAt));
          await this.ctx.storage.setAlarm(retryAt);
          return;
        }
        this.ctx.storage.transactionSync(() => {
          this.store.removeSent(txn);
          this.store.set("failures", undefined);
          this.store.set("retry_at", undefined);
        });
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

  /**
   * True when the service acknowledged the transaction. The spec asks for 200 with `{}`; any
   * other answer, a refusal included, is retried (as Synapse does): dropping events would leave
   * the bridge with holes it cannot see.
   */
  private async send(service: AppService, txn: AppServiceTxn): Promise<boolean> {
    try {
      const res = await fetch(`${service.url}/_matrix/app/v1/transactions/${encodeURIComponent(txn.txnId)}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${service.hsToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(txn.body),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status === 200) return true;
      console.warn(`application service ${service.id} answered ${res.status} to transaction ${txn.txnId}; retrying`);
      return false;
    } catch (e) {
      console.warn(`sending transaction ${txn.txnId} to application service ${service.id} failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }
}
