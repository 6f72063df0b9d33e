import { test } from "node:test";
import assert from "node:assert/strict";
import { readForm } from "../../../worker/oauth/pages/form.js";

const post = (body: string, type = "application/x-www-form-urlencoded") =>
  new Request("https://example.org/account/login", { method: "POST", body, headers: { "Content-Type": type } });

test("readForm reads an urlencoded form post", async () => {
  const form = await readForm(post("username=alice&password=p%26ss+word&csrf=x", "application/x-www-form-urlencoded; charset=UTF-8"));
  assert.equal(form?.get("username"), "alice");
  assert.equal(form?.get("password"), "p&ss word");
});

test("readForm refuses other content types and large bodies", async () => {
  assert.equal(await readForm(post("{}", "application/json")), null);
  assert.equal(await readForm(post("a=" + "x".repeat(100), "application/x-www-form-urlencoded"), 50), null);
});

test("readForm counts the body's bytes, not its characters", async () => {
  // 30 characters, 60 bytes in UTF-8: over a 50-byte limit.
  assert.equal(await readForm(post("a=" + "é".repeat(28)), 50), null);
  assert.equal((await readForm(post("a=" + "é".repeat(20)), 50))?.get("a"), "é".repeat(20));
});

test("readForm refuses a body that is not UTF-8", async () => {
  const latin1 = new Request("https://example.org/account/login", {
    method: "POST",
    body: new Uint8Array([0x61, 0x3d, 0xe9]), // "a=é" in Latin-1
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  assert.equal(await readForm(latin1), null);
});
