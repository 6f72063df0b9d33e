/**
 * Media under non-default configuration: a small MAX_UPLOAD_BYTES (413 M_TOO_LARGE), the legacy
 * unauthenticated endpoints served (LEGACY_MEDIA = "serve"), and URL previews of a page on a
 * local test HTTP server, which only PREVIEW_ALLOW_HOSTS = "127.0.0.1" lets through the SSRF
 * guard. Nothing here reaches the internet: every preview target is 127.0.0.1 or a refused
 * private address.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { makePng } from "./mediaImages.js";

let server: RunningServer;
let user: TestUser;
let site: Server;
let sitePort = 0;
// Small enough for the 1000-byte upload limit of this server (preview images count against it).
const logo = makePng(12, 8);

before(async () => {
  site = createServer((req, res) => {
    if (req.url === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><head><title>Fallback title</title>
        <meta property="og:title" content="Lattice &amp; friends">
        <meta property='og:description' content='A homeserver on Workers'>
        <meta property="og:image" content="/logo.png">
        </head><body>hello</body></html>`);
    } else if (req.url === "/plain") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<html><head><title>Only a title</title><meta name="description" content="desc"></head></html>`);
    } else if (req.url === "/logo.png") {
      res.writeHead(200, { "Content-Type": "image/png" });
      res.end(logo);
    } else if (req.url === "/to-metadata") {
      res.writeHead(302, { Location: "http://169.254.169.254/latest/meta-data/" });
      res.end();
    } else if (req.url === "/to-localhost") {
      res.writeHead(301, { Location: `http://localhost:${sitePort}/page` });
      res.end();
    } else if (req.url === "/to-page") {
      res.writeHead(302, { Location: "/page" });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()));
  const addr = site.address();
  sitePort = addr && typeof addr === "object" ? addr.port : 0;
  server = await startServer({ vars: { MAX_UPLOAD_BYTES: "1000", LEGACY_MEDIA: "serve", PREVIEW_ALLOW_HOSTS: "127.0.0.1" } });
  user = await registerUser(server.baseUrl);
});
after(async () => {
  await server?.stop();
  site?.close();
});

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.accessToken}`, "Content-Type": "application/octet-stream", ...headers },
    body,
    duplex: "half",
  } as RequestInit);
}

function chunked(n: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= n) return c.close();
      const k = Math.min(300, n - sent);
      c.enqueue(new Uint8Array(k).fill(65));
      sent += k;
    },
  });
}

test("uploads over MAX_UPLOAD_BYTES are 413 M_TOO_LARGE; at the limit they are fine", async () => {
  let r = await post(new Uint8Array(1001));
  assert.equal(r.status, 413);
  assert.equal(((await r.json()) as { errcode: string }).errcode, "M_TOO_LARGE");
  r = await post(new Uint8Array(1000));
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  const cfg = await call(server.baseUrl, "GET", "/_matrix/client/v1/media/config", { token: user.accessToken });
  assert.equal(cfg.body["m.upload.size"], 1000);
});

test("chunked uploads without Content-Length are buffered within the limit", async () => {
  let r = await post(chunked(900));
  assert.equal(r.status, 200);
  const id = String(((await r.json()) as { content_uri: string }).content_uri).split("/").pop();
  const d = await fetch(`${server.baseUrl}/_matrix/client/v1/media/download/localhost/${id}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
  assert.equal((await d.text()), "A".repeat(900));
  r = await post(chunked(5000));
  assert.equal(r.status, 413);
  assert.equal(((await r.json()) as { errcode: string }).errcode, "M_TOO_LARGE");
});

test("async upload PUT over the limit is 413 and the ID stays usable", async () => {
  const c = await call(server.baseUrl, "POST", "/_matrix/media/v1/create", { token: user.accessToken });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const id = String(c.body.content_uri).split("/").pop();
  const put = (n: number) =>
    fetch(`${server.baseUrl}/_matrix/media/v3/upload/localhost/${id}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${user.accessToken}` },
      body: new Uint8Array(n),
    });
  let r = await put(5000);
  assert.equal(r.status, 413);
  await r.arrayBuffer();
  r = await put(10);
  assert.equal(r.status, 200);
  await r.arrayBuffer();
});

test("LEGACY_MEDIA=serve: the unauthenticated download and thumbnail work", async () => {
  const r = await post(new Uint8Array(Buffer.from("legacy ok")), { "Content-Type": "text/plain" });
  const id = String(((await r.json()) as { content_uri: string }).content_uri).split("/").pop();
  const d = await fetch(`${server.baseUrl}/_matrix/media/v3/download/localhost/${id}`);
  assert.equal(d.status, 200);
  assert.equal(await d.text(), "legacy ok");
  const png = await post(new Uint8Array(logo), { "Content-Type": "image/png" });
  const pngId = String(((await png.json()) as { content_uri: string }).content_uri).split("/").pop();
  const t = await fetch(`${server.baseUrl}/_matrix/media/v3/thumbnail/localhost/${pngId}?width=4&height=4&method=crop`);
  assert.equal(t.status, 200);
  assert.equal(t.headers.get("content-type"), "image/png");
  await t.arrayBuffer();
  const r0 = await fetch(`${server.baseUrl}/_matrix/media/r0/download/localhost/${id}/named.txt`);
  assert.equal(r0.status, 200);
  assert.match(r0.headers.get("content-disposition") ?? "", /named\.txt/);
  await r0.arrayBuffer();
});

test("preview_url of a local page: OpenGraph fields and the image stored as media", async () => {
  const url = `http://127.0.0.1:${sitePort}/page`;
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(url)}`, { token: user.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body["og:title"], "Lattice & friends");
  assert.equal(r.body["og:description"], "A homeserver on Workers");
  assert.equal(r.body["og:image:type"], "image/png");
  assert.equal(r.body["og:image:width"], 12);
  assert.equal(r.body["og:image:height"], 8);
  assert.equal(r.body["matrix:image:size"], logo.length);
  const mxc = String(r.body["og:image"]);
  assert.match(mxc, /^mxc:\/\/localhost\//);
  const img = await fetch(`${server.baseUrl}/_matrix/client/v1/media/download/localhost/${mxc.split("/").pop()}`, {
    headers: { Authorization: `Bearer ${user.accessToken}` },
  });
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), logo);

  // Cached: the same answer, same media.
  const again = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(url)}`, { token: user.accessToken });
  assert.equal(again.body["og:image"], mxc);

  const plain = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`http://127.0.0.1:${sitePort}/plain`)}`, {
    token: user.accessToken,
  });
  assert.equal(plain.body["og:title"], "Only a title");
  assert.equal(plain.body["og:description"], "desc");

  const followed = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`http://127.0.0.1:${sitePort}/to-page`)}`, {
    token: user.accessToken,
  });
  assert.equal(followed.status, 200);
  assert.equal(followed.body["og:title"], "Lattice & friends");
});

test("preview_url re-checks every redirect hop: to metadata or localhost is refused", async () => {
  for (const p of ["/to-metadata", "/to-localhost"]) {
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`http://127.0.0.1:${sitePort}${p}`)}`, {
      token: user.accessToken,
    });
    assert.equal(r.status, 403, `${p}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN");
  }
});
