/** readConfig (platform/env.ts): wrangler.toml's variables as the server uses them, and what a bad value falls back to. */
import { test } from "node:test";
import assert from "node:assert/strict";

/**
 * platform/env.ts names Cloudflare's binding types, which this Node program does not load: it is
 * imported by a computed specifier and read through the narrow shape used here.
 */
interface Vars {
  [name: string]: string | undefined;
}
interface Config {
  accessTokenLifetimeMs: number;
  pushAllowHosts: string[];
  previewAllowHosts: string[];
  oauth: boolean;
  registration: string;
  appservices: { services: { id: string; sender: string }[]; problems: string[] };
}
const platform = "../../../platform";
const { readConfig }: { readConfig(env: Vars): Config } = await import(`${platform}/env.js`);

const env = (vars: Vars): Vars => ({ SERVER_NAME: "example.org", ...vars });

test("ACCESS_TOKEN_LIFETIME is in seconds; missing, zero, negative or not a number means the default 300 s", () => {
  assert.equal(readConfig(env({ ACCESS_TOKEN_LIFETIME: "60" })).accessTokenLifetimeMs, 60_000);
  for (const bad of [undefined, "", "0", "-5", "abc", "NaN"]) {
    assert.equal(readConfig(env({ ACCESS_TOKEN_LIFETIME: bad })).accessTokenLifetimeMs, 300_000, String(bad));
  }
});

test("the allowed-host lists are trimmed, lowercased and drop empty entries", () => {
  const c = readConfig(env({ PUSH_ALLOW_HOSTS: " 127.0.0.1 , Push.Local,, ", PREVIEW_ALLOW_HOSTS: "" }));
  assert.deepEqual(c.pushAllowHosts, ["127.0.0.1", "push.local"]);
  assert.deepEqual(c.previewAllowHosts, []);
  assert.deepEqual(readConfig(env({})).pushAllowHosts, []);
});

test("OAUTH is on unless set to off; REGISTRATION falls back to open", () => {
  assert.equal(readConfig(env({})).oauth, true);
  assert.equal(readConfig(env({ OAUTH: "off" })).oauth, false);
  assert.equal(readConfig(env({ REGISTRATION: "closed" })).registration, "closed");
  assert.equal(readConfig(env({ REGISTRATION: "bogus" })).registration, "open");
});

test("readConfig: APPSERVICES is parsed once per isolate; bad registrations are reported once on console.error and left out", (t) => {
  const errors: string[] = [];
  t.mock.method(console, "error", (...args: unknown[]) => errors.push(args.join(" ")));
  const yaml = `id: good\nurl: null\nas_token: a1\nhs_token: h1\nsender_localpart: bot\nnamespaces: {}\n---\nid: bad\nurl: null\nas_token: a1\nhs_token: h2\nsender_localpart: bot2\nnamespaces: {}\n`;
  const env = { SERVER_NAME: "example.org", APPSERVICES: yaml };
  const first = readConfig(env).appservices;
  const second = readConfig({ ...env }).appservices;
  assert.equal(first, second, "the same parsed registrations, not parsed again");
  assert.deepEqual(first.services.map((s) => [s.id, s.sender]), [["good", "@bot:example.org"]]);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^APPSERVICES: registration 2 \(id "bad"\) is ignored: its 'as_token' is already used/);
  assert.deepEqual(readConfig({ SERVER_NAME: "example.org" }).appservices, { services: [], problems: [] });
  assert.deepEqual(readConfig({ SERVER_NAME: "example.org", APPSERVICES: "a: |\n  x\n" }).appservices.services, []);
  assert.equal(errors.length, 2, "unreadable YAML is reported too");
});
