/** multipart/mixed bodies of federation media (server-server-api "Content Repository", RFC 2046). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { boundaryOf, fileNameOf, multipartMediaBody, newBoundary, parseMultipart } from "../../../worker/media/multipart.js";

const enc = new TextEncoder();

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
}

describe("federation media multipart", () => {
  test("what we build parses back: {} then the bytes with their headers, streamed or not", async () => {
    const bytes = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    // The bytes contain CRLF and dashes, as binaries do.
    bytes.set(enc.encode("\r\n--not-the-boundary\r\n"), 100);
    for (const body of [bytes, streamOf([bytes.subarray(0, 1000), bytes.subarray(1000)])]) {
      const boundary = newBoundary();
      const raw = await collect(multipartMediaBody(boundary, { "Content-Type": "image/png", "Content-Disposition": 'inline; filename="a.png"' }, body));
      const parts = parseMultipart(raw, boundary);
      assert.ok(parts);
      assert.equal(parts.length, 2);
      assert.equal(parts[0].headers.get("content-type"), "application/json");
      assert.equal(new TextDecoder().decode(parts[0].body), "{}");
      assert.equal(parts[1].headers.get("content-type"), "image/png");
      assert.deepEqual(parts[1].body, bytes);
    }
  });

  test("the spec's example shape: a Location part, LF-only line ends, a preamble", () => {
    const raw = enc.encode('preamble\n--xyz\nContent-Type: application/json\n\n{}\n--xyz\nLocation: https://cdn.example.org/a\n\n\n--xyz--\n');
    const parts = parseMultipart(raw, "xyz");
    assert.ok(parts);
    assert.equal(parts.length, 2);
    assert.equal(parts[1].headers.get("location"), "https://cdn.example.org/a");
  });

  test("malformed bodies are refused", () => {
    assert.equal(parseMultipart(enc.encode("no boundary here"), "b"), undefined);
    assert.equal(parseMultipart(enc.encode("--b\r\nContent-Type: x\r\n\r\nunterminated"), "b"), undefined);
  });

  test("boundary and file name parameters", () => {
    assert.equal(boundaryOf("multipart/mixed; boundary=abc123"), "abc123");
    assert.equal(boundaryOf('Multipart/Mixed;boundary="a b:c"'), "a b:c");
    assert.equal(boundaryOf("application/json"), undefined);
    assert.equal(boundaryOf(null), undefined);
    assert.equal(fileNameOf(`attachment; filename="x_y.bin"; filename*=UTF-8''x%20%C3%BC.bin`), "x ü.bin");
    assert.equal(fileNameOf('inline; filename="q\\"uote.txt"'), 'q"uote.txt');
    assert.equal(fileNameOf("inline; filename=plain.txt"), "plain.txt");
    assert.equal(fileNameOf("inline"), undefined);
  });
});
