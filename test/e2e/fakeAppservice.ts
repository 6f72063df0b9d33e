/**
 * A stand-in application service on loopback for end-to-end tests: it records every request the
 * homeserver makes to it. Under /ok it answers POST …/_matrix/app/v1/ping with 200 {}, under
 * /reject with 403 M_FORBIDDEN (a service holding another hs_token); anything else is 404.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

export interface FakeAppservice {
  /** http://127.0.0.1:PORT */
  base: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startFakeAppservice(): Promise<FakeAppservice> {
  const received: ReceivedRequest[] = [];
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
      received.push({ method: req.method ?? "", path, authorization: req.headers.authorization, body });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.method === "POST" && path === "/ok/_matrix/app/v1/ping") send(200, {});
      else if (req.method === "POST" && path === "/reject/_matrix/app/v1/ping") send(403, { errcode: "M_FORBIDDEN" });
      else send(404, { errcode: "M_UNRECOGNIZED" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
