/**
 * The RPC contract of RemoteDO (one per remote server, `idFromName(serverName)`): what the Worker
 * and other Durable Objects may call on it through remoteStub (platform/stubs.ts). The class
 * implements this interface, so tsc keeps the two in step; callers never import the class itself.
 */
import type { JsonObject } from "../../protocol/json.js";

/** The outbound queue to one server: what waits, what is in flight, when the next retry is. */
export interface RemoteStatus {
  serverName: string;
  queuedPdus: number;
  queuedEdus: number;
  inFlightTxn?: string;
  failures: number;
  retryAt?: number;
}

export interface RemoteRpc {
  /**
   * The server's public key `keyId`, valid until at least `minimumValidUntilTs` (any cached key
   * when undefined); undefined when neither the server nor a notary can supply it.
   */
  verifyKey(keyId: string, minimumValidUntilTs?: number): Promise<Uint8Array | undefined>;
  /** The server's self-signed key responses, for serving as a notary; refreshed when expiring before `minimumValidUntilTs`. */
  serverKeys(minimumValidUntilTs?: number): Promise<JsonObject[]>;

  /** True the first time `txnId` is claimed from this origin (spec: transactions are idempotent). */
  claimInboundTxn(txnId: string): Promise<boolean>;
  /** Forgets a claimed transaction whose processing failed, so the sender's retry is processed. */
  releaseInboundTxn(txnId: string): Promise<void>;

  /** Queues PDUs for this server. */
  queuePdus(pdus: JsonObject[]): Promise<void>;
  /** Queues EDUs for this server. */
  queueEdus(edus: JsonObject[]): Promise<void>;
  /** Queues PDUs and EDUs together, so they can leave in the same transaction. */
  queue(pdus: JsonObject[], edus: JsonObject[]): Promise<void>;
  /** Sends what is queued now, ignoring any backoff (tests, and "the server is back" hints). */
  flush(): Promise<RemoteStatus>;
  /** The server talked to us, so it is up: retry at once instead of waiting out the backoff. */
  retryNow(): Promise<void>;
  /** The state of the outbound queue. */
  status(): Promise<RemoteStatus>;
}
