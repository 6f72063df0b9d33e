import { test } from "node:test";
import assert from "node:assert/strict";
import { Base64Error, decodeBase64, encodeBase64, encodeBase64Url } from "../../../protocol/base64.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

test("unpadded base64: the appendix examples", () => {
  const examples: Array<[string, string]> = [
    ["", ""],
    ["f", "Zg"],
    ["fo", "Zm8"],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg"],
    ["fooba", "Zm9vYmE"],
    ["foobar", "Zm9vYmFy"],
  ];
  for (const [plain, encoded] of examples) {
    assert.equal(encodeBase64(utf8(plain)), encoded);
    assert.deepEqual(decodeBase64(encoded), utf8(plain));
  }
});

test("URL-safe alphabet uses - and _ for 62 and 63", () => {
  const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
  assert.equal(encodeBase64(bytes), "+/+/");
  assert.equal(encodeBase64Url(bytes), "-_-_");
  assert.deepEqual(decodeBase64("-_-_"), bytes);
  assert.deepEqual(decodeBase64("+/+/"), bytes);
});

test("decoding accepts padding", () => {
  assert.deepEqual(decodeBase64("Zg=="), utf8("f"));
  assert.deepEqual(decodeBase64("Zm8="), utf8("fo"));
  assert.deepEqual(decodeBase64("Zm9v"), utf8("foo"));
});

test("decoding tolerates non-zero trailing bits (the spec's own test seed has them)", () => {
  const seed = decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
  assert.equal(seed.length, 32);
  assert.deepEqual(decodeBase64("Zh"), utf8("f"));
});

test("decoding rejects garbage", () => {
  for (const bad of ["Z", "Zg=", "Z===", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm9v!", "é", "=", "Zg=a"]) {
    assert.throws(() => decodeBase64(bad), Base64Error, `should reject ${JSON.stringify(bad)}`);
  }
});

test("round trip of every byte value and length", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let n = 0; n <= 256; n += 7) {
    const slice = all.subarray(0, n);
    assert.deepEqual(decodeBase64(encodeBase64(slice)), slice);
    assert.deepEqual(decodeBase64(encodeBase64Url(slice)), slice);
  }
});
