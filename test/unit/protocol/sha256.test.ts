import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeBase64 } from "../../../protocol/base64.js";
import { sha256 } from "../../../protocol/sha256.js";

test("sha256 of strings (UTF-8) and bytes", async () => {
  // FIPS 180-2 test vector.
  const abc = await sha256("abc");
  assert.equal(Buffer.from(abc).toString("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.deepEqual(await sha256(new TextEncoder().encode("日本")), await sha256("日本"));
  assert.equal(encodeBase64(await sha256("")), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
});
