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
