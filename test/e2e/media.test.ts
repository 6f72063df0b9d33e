/**
 * Media repository end to end, against the default configuration (50 MB limit, legacy media
 * frozen, URL previews guarded): uploads, authenticated downloads, ranges, safe headers,
 * asynchronous uploads, thumbnails and the image-bomb guard, and preview_url refusals.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { fixture, makeGif, makePng, makePngBomb } from "./mediaImages.js";
import { readImageHeader } from "../../worker/media/imageHeader.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl);
  bob = await registerUser(server.baseUrl);
});
after(async () => {
  await server?.stop();
});

async function upload(token: string, body: Uint8Array, type = "application/octet-stream", fileName?: string): Promise<string> {
  const q = fileName ? `?filename=${encodeURIComponent(fileName)}` : "";
  const r = await fetch(`${server.baseUrl}/_matrix/media/v3/upload${q}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
    body: new Uint8Array(body),
  });
  const j = (await r.json()) as { content_uri?: string };
  assert.equal(r.status, 200, JSON.stringify(j));
  assert.match(j.content_uri ?? "", /^mxc:\/\/localhost\/[A-Za-z0-9_-]+$/);
  return String(j.content_uri).split("/").pop() ?? "";
}

function download(token: string | undefined, mediaId: string, extra: { headers?: Record<string, string>; path?: string; query?: string } = {}) {
  const headers: Record<string, string> = { ...(extra.headers ?? {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const path = extra.path ?? `/_matrix/client/v1/media/download/localhost/${mediaId}`;
  return fetch(`${server.baseUrl}${path}${extra.query ?? ""}`, { headers });
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test("small text upload round-trips byte-exact, with its type and file name", async () => {
  const body = Buffer.from("hello, matrix ✓\n");
  const id = await upload(alice.accessToken, body, "text/plain", "hello.txt");
  const r = await download(bob.accessToken, id);
  assert.equal(r.status, 200);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), body);
  assert.equal(r.headers.get("content-type"), "text/plain");
  assert.equal(r.headers.get("content-disposition"), `inline; filename="hello.txt"; filename*=UTF-8''hello.txt`);
  assert.equal(r.headers.get("cross-origin-resource-policy"), "cross-origin");
  assert.match(r.headers.get("content-security-policy") ?? "", /^sandbox; default-src 'none'; script-src 'none';/);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
});

test("binary upload (all byte values) round-trips byte-exact; fileName in the path overrides", async () => {
  const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), pattern(70_000, 1)]);
  const id = await upload(alice.accessToken, body, "application/octet-stream", "data.bin");
  const r = await download(bob.accessToken, id, { path: `/_matrix/client/v1/media/download/localhost/${id}/r%C3%A9sum%C3%A9%20%221%22.bin` });
  assert.equal(r.status, 200);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), body);
  assert.equal(r.headers.get("content-length"), String(body.length));
  assert.equal(r.headers.get("content-disposition"), `attachment; filename="r_sum_ _1_.bin"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.bin`);
});

test("20 MB upload and download are byte-exact", async () => {
  const body = pattern(20 * 1024 * 1024, 7);
  const id = await upload(alice.accessToken, body, "application/octet-stream");
  const r = await download(bob.accessToken, id);
  assert.equal(r.status, 200);
  const got = Buffer.from(await r.arrayBuffer());
  assert.equal(got.length, body.length);
  assert.ok(got.equals(body));
});

test("Range requests return 206 with Content-Range; unsatisfiable is 416", async () => {
  const body = pattern(10_000, 3);
  const id = await upload(alice.accessToken, body);
  let r = await download(bob.accessToken, id, { headers: { Range: "bytes=100-199" } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), "bytes 100-199/10000");
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), body.subarray(100, 200));
  r = await download(bob.accessToken, id, { headers: { Range: "bytes=9990-" } });
  assert.equal(r.status, 206);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), body.subarray(9990));
  r = await download(bob.accessToken, id, { headers: { Range: "bytes=-5" } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), "bytes 9995-9999/10000");
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), body.subarray(9995));
  r = await download(bob.accessToken, id, { headers: { Range: "bytes=20000-" } });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get("content-range"), "bytes */10000");
  await r.arrayBuffer();
});

test("HTML and SVG uploads keep their type but are served as attachments", async () => {
  for (const [type, name] of [["text/html", "page.html"], ["image/svg+xml", "x.svg"], ["application/javascript", "a.js"]]) {
    const id = await upload(alice.accessToken, Buffer.from("<script>alert(1)</script>"), type, name);
    const r = await download(bob.accessToken, id);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), type);
    assert.equal(r.headers.get("content-disposition"), `attachment; filename="${name}"; filename*=UTF-8''${name}`);
    assert.match(r.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    await r.arrayBuffer();
  }
});

test("authenticated endpoints refuse requests without a valid token (401)", async () => {
  const id = await upload(alice.accessToken, Buffer.from("x"));
  const paths = [
    `/_matrix/client/v1/media/download/localhost/${id}`,
    `/_matrix/client/v1/media/thumbnail/localhost/${id}?width=32&height=32`,
    `/_matrix/client/v1/media/config`,
    `/_matrix/client/v1/media/preview_url?url=https%3A%2F%2Fexample.org%2F`,
  ];
  for (const p of paths) {
    let r = await call(server.baseUrl, "GET", p);
    assert.equal(r.status, 401, p);
    assert.equal(r.body.errcode, "M_MISSING_TOKEN", p);
    r = await call(server.baseUrl, "GET", p, { token: "lat_bm9ib2R5_nope" });
    assert.equal(r.status, 401, p);
    assert.equal(r.body.errcode, "M_UNKNOWN_TOKEN", p);
  }
  let r = await call(server.baseUrl, "POST", "/_matrix/media/v3/upload", { rawBody: "x" });
  assert.equal(r.status, 401);
  assert.equal(r.body.errcode, "M_MISSING_TOKEN");
  r = await call(server.baseUrl, "POST", "/_matrix/media/v1/create");
  assert.equal(r.status, 401);
});

test("unknown and malformed media are 404 M_NOT_FOUND; media of an unreachable server is 502", async () => {
  for (const p of [
    "/_matrix/client/v1/media/download/localhost/doesNotExist123",
    "/_matrix/client/v1/media/download/localhost/bad..id",
    "/_matrix/client/v1/media/thumbnail/localhost/doesNotExist123?width=10&height=10",
    "/_matrix/media/v3/download/other.example/abc?allow_remote=false",
  ]) {
    const r = await call(server.baseUrl, "GET", p, { token: bob.accessToken });
    assert.equal(r.status, 404, p);
    assert.equal(r.body.errcode, "M_NOT_FOUND", p);
  }
  // Remote media is fetched over federation (test/e2e/federationE2ee.test.ts); this one cannot be.
  const remote = await call(server.baseUrl, "GET", "/_matrix/client/v1/media/download/other.example/abc", { token: bob.accessToken });
  assert.equal(remote.status, 502);
});

test("media config reports the upload limit", async () => {
  const r = await call(server.baseUrl, "GET", "/_matrix/client/v1/media/config", { token: bob.accessToken });
  assert.equal(r.status, 200);
  assert.equal(r.body["m.upload.size"], 50 * 1024 * 1024);
});

test("legacy unauthenticated download is frozen by default (404)", async () => {
  const id = await upload(alice.accessToken, Buffer.from("legacy"));
  const r = await call(server.baseUrl, "GET", `/_matrix/media/v3/download/localhost/${id}`);
  assert.equal(r.status, 404);
  assert.equal(r.body.errcode, "M_NOT_FOUND");
  const t = await call(server.baseUrl, "GET", `/_matrix/media/v3/thumbnail/localhost/${id}?width=1&height=1`);
  assert.equal(t.status, 404);
});

test("async upload: create, download waits, PUT, download, no overwrite, owner only", async () => {
  const c = await call(server.baseUrl, "POST", "/_matrix/media/v1/create", { token: alice.accessToken });
  assert.equal(c.status, 200);
  const uri = String(c.body.content_uri);
  assert.match(uri, /^mxc:\/\/localhost\//);
  assert.ok(Number(c.body.unused_expires_at) > Date.now());
  const id = uri.split("/").pop() ?? "";

  const started = Date.now();
  const early = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/download/localhost/${id}?timeout_ms=600`, { token: bob.accessToken });
  assert.equal(early.status, 504);
  assert.equal(early.body.errcode, "M_NOT_YET_UPLOADED");
  assert.ok(Date.now() - started >= 500, "waited about timeout_ms");
  assert.ok(Date.now() - started < 5000, "and not much longer");

  const put = (token: string, body: string) =>
    fetch(`${server.baseUrl}/_matrix/media/v3/upload/localhost/${id}?filename=late.txt`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/plain" },
      body,
    });
  const wrongUser = await put(bob.accessToken, "not mine");
  assert.equal(wrongUser.status, 403);
  assert.equal(((await wrongUser.json()) as { errcode: string }).errcode, "M_FORBIDDEN");

  // A download that is already waiting when the content arrives gets it.
  const waiting = download(bob.accessToken, id, { query: "?timeout_ms=10000" });
  await new Promise((r) => setTimeout(r, 300));
  const first = await put(alice.accessToken, "arrived later");
  assert.equal(first.status, 200);
  const w = await waiting;
  assert.equal(w.status, 200);
  assert.equal(await w.text(), "arrived later");
  assert.match(w.headers.get("content-disposition") ?? "", /late\.txt/);

  const second = await put(alice.accessToken, "again");
  assert.equal(second.status, 409);
  assert.equal(((await second.json()) as { errcode: string }).errcode, "M_CANNOT_OVERWRITE_MEDIA");
  const r = await download(bob.accessToken, id);
  assert.equal(await r.text(), "arrived later");

  const unknown = await put(alice.accessToken, "x");
  await unknown.arrayBuffer();
  const missing = await fetch(`${server.baseUrl}/_matrix/media/v3/upload/localhost/neverCreated1`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${alice.accessToken}` },
    body: "x",
  });
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
});

test("too many pending async uploads is 429 M_LIMIT_EXCEEDED", async () => {
  const carol = await registerUser(server.baseUrl);
  let last = { status: 0, body: {} as Record<string, unknown> };
  for (let i = 0; i < 11; i++) last = await call(server.baseUrl, "POST", "/_matrix/media/v1/create", { token: carol.accessToken });
  assert.equal(last.status, 429);
  assert.equal(last.body.errcode, "M_LIMIT_EXCEEDED");
});

async function thumbnail(id: string, w: number, h: number, method: string) {
  const r = await download(bob.accessToken, id, { path: `/_matrix/client/v1/media/thumbnail/localhost/${id}`, query: `?width=${w}&height=${h}&method=${method}` });
  const bytes = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), bytes, header: readImageHeader(bytes) };
}

const FORMATS: [string, string, () => Buffer][] = [
  ["png", "image/png", () => makePng(200, 150)],
  ["jpeg", "image/jpeg", () => fixture("gradient-200x150.jpg")],
  ["webp", "image/webp", () => fixture("gradient-200x150.webp")],
  ["gif", "image/gif", () => makeGif(200, 150, 3)],
];

for (const [name, type, make] of FORMATS) {
  test(`thumbnails of a ${name}: crop and scale sizes and types`, async () => {
    const id = await upload(alice.accessToken, make(), type, `pic.${name}`);
    const outType = name === "jpeg" ? "image/jpeg" : "image/png";
    const outFormat = name === "jpeg" ? "jpeg" : "png";

    let t = await thumbnail(id, 32, 32, "crop");
    assert.equal(t.status, 200);
    assert.equal(t.type, outType);
    assert.deepEqual(t.header, { format: outFormat, width: 32, height: 32 });
    assert.match(t.disposition ?? "", /^inline; filename="thumbnail\./);

    t = await thumbnail(id, 96, 96, "crop");
    assert.deepEqual(t.header, { format: outFormat, width: 96, height: 96 });

    // scale keeps 4:3 and covers the requested box: 100x50 → 100x75.
    t = await thumbnail(id, 100, 50, "scale");
    assert.equal(t.status, 200);
    assert.deepEqual(t.header, { format: outFormat, width: 100, height: 75 });

    // The cached copy is the same.
    const again = await thumbnail(id, 100, 50, "scale");
    assert.deepEqual(Buffer.from(again.bytes), Buffer.from(t.bytes));

    // Larger than the original: the original itself, never upscaled.
    t = await thumbnail(id, 640, 480, "scale");
    assert.equal(t.status, 200);
    assert.equal(t.type, type);
    assert.deepEqual(t.header?.width, 200);
    assert.deepEqual(t.header?.height, 150);
  });
}

test("thumbnail parameters are validated; non-images cannot be thumbnailed", async () => {
  const id = await upload(alice.accessToken, makePng(20, 20), "image/png");
  for (const q of ["?height=10", "?width=10", "?width=-1&height=10", "?width=a&height=10", "?width=10&height=10&method=stretch"]) {
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/thumbnail/localhost/${id}${q}`, { token: bob.accessToken });
    assert.equal(r.status, 400, q);
  }
  const text = await upload(alice.accessToken, Buffer.from("not an image"), "text/plain");
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/thumbnail/localhost/${text}?width=10&height=10`, { token: bob.accessToken });
  assert.equal(r.status, 400);
  assert.equal(r.body.errcode, "M_UNKNOWN");
  const liar = await upload(alice.accessToken, Buffer.from("definitely not image bytes"), "image/png");
  const l = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/thumbnail/localhost/${liar}?width=10&height=10`, { token: bob.accessToken });
  assert.equal(l.status, 400);
  // Text labelled image/png that happens to start like a GIF: its "dimensions" are noise, and it
  // is not the image it claims to be (400), not a too-large image (413).
  const noise = await upload(alice.accessToken, Buffer.from("GIF89a\xff\xff\xff\xff and then just some text"), "image/png");
  const n = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/thumbnail/localhost/${noise}?width=10&height=10`, { token: bob.accessToken });
  assert.equal(n.status, 400, JSON.stringify(n.body));
  assert.equal(n.body.errcode, "M_UNKNOWN");
});

test("an image bomb (PNG claiming 50000x50000, GIF claiming 65535x65535) is refused with 413, quickly", async () => {
  for (const [bytes, type] of [
    [makePngBomb(50_000, 50_000), "image/png"],
    [(() => {
      const g = makeGif(4, 4);
      g.writeUInt16LE(65535, 6);
      g.writeUInt16LE(65535, 8);
      return g;
    })(), "image/gif"],
  ] as const) {
    const id = await upload(alice.accessToken, bytes, type);
    const started = Date.now();
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/thumbnail/localhost/${id}?width=32&height=32&method=crop`, { token: bob.accessToken });
    assert.equal(r.status, 413);
    assert.equal(r.body.errcode, "M_TOO_LARGE");
    assert.ok(Date.now() - started < 3000);
  }
  // The server is still fine afterwards.
  const ok = await upload(alice.accessToken, makePng(64, 64), "image/png");
  const t = await thumbnail(ok, 32, 32, "crop");
  assert.equal(t.status, 200);
});

test("preview_url refuses loopback, private, link-local, metadata and local names", async () => {
  const targets = [
    "http://127.0.0.1/",
    "http://127.1.2.3:8008/",
    "http://localhost:8008/",
    "http://foo.localhost/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://intranet/",
    "file:///etc/passwd",
    "ftp://example.org/",
  ];
  for (const t of targets) {
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(t)}`, { token: bob.accessToken });
    assert.equal(r.status, 403, `${t}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN", t);
  }
  const bad = await call(server.baseUrl, "GET", "/_matrix/client/v1/media/preview_url?url=not%20a%20url", { token: bob.accessToken });
  assert.equal(bad.status, 400);
  const none = await call(server.baseUrl, "GET", "/_matrix/client/v1/media/preview_url", { token: bob.accessToken });
  assert.equal(none.status, 400);
  assert.equal(none.body.errcode, "M_MISSING_PARAM");
});
