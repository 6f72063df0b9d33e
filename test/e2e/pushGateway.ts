/**
 * A tiny push gateway (Push Gateway API, push_notifier.yaml) on loopback for end-to-end tests:
 * it records every POST /_matrix/push/v1/notify, answers `{"rejected": [...]}` with the pushkeys
 * it was told to reject, and can be told to fail the next requests with 500. Other paths get 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PUSH_NOTIFY_PATH } from "../../protocol/push/types.js";

/** One entry of a notification's `devices`, as the homeserver sent it. */
export interface NotifyDevice {
  app_id: string;
  pushkey: string;
  pushkey_ts?: number;
  data?: Record<string, unknown>;
  tweaks?: Record<string, unknown>;
}

/** The `notification` object of a notify request; event fields are absent for badge-only pushes and event_id_only pushers. */
export interface PushNotification {
  event_id?: string;
  room_id?: string;
  type?: string;
  sender?: string;
  sender_display_name?: string;
  room_name?: string;
  room_alias?: string;
  user_is_target?: boolean;
  prio?: string;
  content?: Record<string, unknown>;
  counts?: { unread?: number; missed_calls?: number };
  devices: NotifyDevice[];
}

/** A notify request as the gateway received it. */
export interface ReceivedNotify {
  notification: PushNotification;
  /** Date.now() when it arrived. */
  at: number;
  /** The HTTP status the gateway answered it with. */
  answered: number;
}

export interface PushGateway {
  /** http://127.0.0.1:PORT/_matrix/push/v1/notify */
  url: string;
  /** Every notify request received so far (including the ones answered 500), oldest first. */
  received(): ReceivedNotify[];
  /**
   * Waits until at least one received notify matches `predicate` and returns all that match;
   * fails after `timeoutMs` naming `what`.
   */
  waitFor(predicate: (n: ReceivedNotify) => boolean, timeoutMs?: number, what?: string): Promise<ReceivedNotify[]>;
  /** The pushkeys listed in `rejected` from now on. */
  reject(...pushkeys: string[]): void;
  /**
   * Answers the next `n` notify requests with 500 (they are still recorded); with `pushkey`, only
   * the next `n` requests that include a device with that pushkey (so other tests' traffic cannot
   * use up the failures).
   */
  failNext(n: number, pushkey?: string): void;
  /** Calls `listener` with each notify request as it arrives (the benchmark times arrivals with it). */
  onNotify(listener: (n: ReceivedNotify) => void): void;
  /** Forgets the notifications received so far. */
  clear(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export async function startPushGateway(): Promise<PushGateway> {
  let received: ReceivedNotify[] = [];
  const rejected = new Set<string>();
  let failures = 0;
  let failFor: string | undefined;
  const listeners: Array<(n: ReceivedNotify) => void> = [];

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0];
      if (req.method !== "POST" || path !== PUSH_NOTIFY_PATH) {
        answer(res, 404, { errcode: "M_UNRECOGNIZED", error: "Not found" });
        return;
      }
      const text = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        answer(res, 400, { errcode: "M_NOT_JSON", error: "Not JSON" });
        return;
      }
      if (!isObject(parsed) || !isObject(parsed.notification)) {
        answer(res, 400, { errcode: "M_BAD_JSON", error: "No notification" });
        return;
      }
      const notification = parsed.notification as unknown as PushNotification;
      if (!Array.isArray(notification.devices)) notification.devices = [];
      const targeted = failFor === undefined || notification.devices.some((d) => d.pushkey === failFor);
      const status = failures > 0 && targeted ? 500 : 200;
      if (status === 500) failures--;
      const got: ReceivedNotify = { notification, at: Date.now(), answered: status };
      received.push(got);
      for (const l of listeners) l(got);
      if (status === 500) {
        answer(res, 500, { errcode: "M_UNKNOWN", error: "Told to fail" });
        return;
      }
      answer(res, 200, { rejected: notification.devices.map((d) => d.pushkey).filter((k) => rejected.has(k)) });
    })().catch(() => {
      if (!res.headersSent) answer(res, 500, { errcode: "M_UNKNOWN", error: "gateway error" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${PUSH_NOTIFY_PATH}`,
    received: () => [...received],
    async waitFor(predicate, timeoutMs = 10_000, what = "a matching push notification") {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = received.filter(predicate);
        if (hits.length > 0) return hits;
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the gateway received ${received.length}: ${JSON.stringify(received.map((r) => r.notification))}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    reject(...pushkeys) {
      for (const k of pushkeys) rejected.add(k);
    },
    failNext(n, pushkey) {
      failures = n;
      failFor = pushkey;
    },
    onNotify(listener) {
      listeners.push(listener);
    },
    clear() {
      received = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
