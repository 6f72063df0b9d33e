/**
 * A stand-in application service on loopback for end-to-end tests: it records every request the
 * homeserver makes to it. Under /ok it answers POST …/_matrix/app/v1/ping with 200 {}, under
 * /reject with 403 M_FORBIDDEN (a service holding another hs_token).
 *
 * Transactions (PUT …/_matrix/app/v1/transactions/{txnId}, any prefix) are checked against
 * `hsToken` when one is given (401 without a token, 403 with a wrong one, as the spec's
 * application services answer), then answered with `txnStatus` (200 unless a test sets 500
 * to play a failing service) or, with `refuse`, by closing the connection (a service that is
 * down). Each attempt is kept in `transactions`; `acknowledged()` lists the events of the
 * transactions answered 200, first answer of each txnId only, as a service de-duplicating them.
 * `handler` may answer any other request (user and room queries, third-party lookups).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

export interface TxnAttempt {
  txnId: string;
  authorization?: string;
  events: Array<Record<string, unknown>>;
  /** What the fake answered (0: connection closed). */
  status: number;
}

export type FakeHandler = (req: ReceivedRequest) => Promise<{ status: number; body: unknown } | undefined> | { status: number; body: unknown } | undefined;

export interface FakeAppservice {
  /** http://127.0.0.1:PORT */
  base: string;
  received: ReceivedRequest[];
  transactions: TxnAttempt[];
  /** Expected Authorization: Bearer token of transactions; undefined: not checked. */
  hsToken?: string;
  txnStatus: number;
  refuse: boolean;
  handler?: FakeHandler;
  /** Called as each transaction attempt arrives, before it is answered (the bench times arrivals with it). */
  onTransaction?: (attempt: TxnAttempt) => void;
  /** Events of the acknowledged transactions, in the order the service accepted them. */
  acknowledged(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const TXN_PATH = /\/_matrix\/app\/v1\/transactions\/([^/?]+)$/;

/** A port nothing listens on: a registration's url for a service that is down. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startFakeAppservice(opts: { hsToken?: string } = {}): Promise<FakeAppservice> {
  const fake: FakeAppservice = {
    base: "",
    received: [],
    transactions: [],
    hsToken: opts.hsToken,
    txnStatus: 200,
    refuse: false,
    acknowledged() {
      const seen = new Set<string>();
      const out: Array<Record<string, unknown>> = [];
      for (const t of fake.transactions) {
        if (t.status !== 200 || seen.has(t.txnId)) continue;
        seen.add(t.txnId);
        out.push(...t.events);
      }
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      let body: unknown = data;
      try {
        body = data ? JSON.parse(data) : undefined;
      } catch {
        // kept as text
      }
      const path = req.url ?? "";
      const received: ReceivedRequest = { method: req.method ?? "", path, authorization: req.headers.authorization, body };
      fake.received.push(received);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const txn = req.method === "PUT" ? TXN_PATH.exec(path) : null;
      if (txn) {
        const events = ((body as { events?: unknown } | undefined)?.events ?? []) as Array<Record<string, unknown>>;
        const attempt: TxnAttempt = { txnId: decodeURIComponent(txn[1]), authorization: req.headers.authorization, events, status: 0 };
        fake.transactions.push(attempt);
        fake.onTransaction?.(attempt);
        if (fake.refuse) {
          req.socket.destroy();
          return;
        }
        if (fake.hsToken !== undefined && !req.headers.authorization) attempt.status = 401;
        else if (fake.hsToken !== undefined && req.headers.authorization !== `Bearer ${fake.hsToken}`) attempt.status = 403;
        else attempt.status = fake.txnStatus;
        send(attempt.status, attempt.status === 200 ? {} : { errcode: attempt.status === 401 ? "M_UNAUTHORIZED" : attempt.status === 403 ? "M_FORBIDDEN" : "M_UNKNOWN" });
        return;
      }
      if (req.method === "POST" && path === "/ok/_matrix/app/v1/ping") return send(200, {});
      if (req.method === "POST" && path === "/reject/_matrix/app/v1/ping") return send(403, { errcode: "M_FORBIDDEN" });
      Promise.resolve(fake.handler?.(received))
        .then((answer) => (answer ? send(answer.status, answer.body) : send(404, { errcode: "M_UNRECOGNIZED" })))
        .catch(() => send(500, { errcode: "M_UNKNOWN" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
