import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePusherChange, PusherError, PUSH_NOTIFY_PATH } from "../../../protocol/push/index.js";
import type { JsonObject, JsonValue } from "../../../protocol/json.js";

const NO_HTTP: readonly string[] = [];

/** pusher.yaml's request example for POST /pushers/set. */
const SPEC_EXAMPLE: JsonObject = {
  lang: "en",
  kind: "http",
  app_display_name: "Mat Rix",
  device_display_name: "iPhone 9",
  profile_tag: "xxyyzz",
  app_id: "com.example.app.ios",
  pushkey:
    "APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ-hQMRKRrZuJAEcl7B338qju59zJMjw2DELjzEvxwYv7hH5Ynpc1ODQ0aT4U4OFEeco8ohsN5PjL1iC2dNtk2BAokeMCg2ZXKqpc8FXKmhX94kIxQ",
  data: { url: "https://push-gateway.location.here/_matrix/push/v1/notify", format: "event_id_only" },
  append: false,
};

function body(overrides: JsonObject = {}, without: string[] = []): JsonObject {
  const b: JsonObject = { ...SPEC_EXAMPLE, ...overrides };
  for (const k of without) delete b[k];
  return b;
}

function withUrl(url: string): JsonObject {
  return body({ data: { url } });
}

function rejects(fn: () => unknown, errcode: string, message?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PusherError, `expected PusherError, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.equal(e.errcode, errcode);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

describe("parsePusherChange: setting an http pusher", () => {
  it("accepts pusher.yaml's request example", () => {
    assert.deepEqual(parsePusherChange(SPEC_EXAMPLE, NO_HTTP), {
      action: "set",
      pusher: {
        pushkey: SPEC_EXAMPLE.pushkey,
        kind: "http",
        app_id: "com.example.app.ios",
        app_display_name: "Mat Rix",
        device_display_name: "iPhone 9",
        profile_tag: "xxyyzz",
        lang: "en",
        data: { url: "https://push-gateway.location.here/_matrix/push/v1/notify", format: "event_id_only" },
      },
      append: false,
    });
  });

  it("omits profile_tag when absent and defaults append to false", () => {
    const change = parsePusherChange(body({}, ["profile_tag", "append"]), NO_HTTP);
    assert.equal(change.action, "set");
    if (change.action !== "set") return;
    assert.equal(change.append, false);
    assert.equal("profile_tag" in change.pusher, false);
  });

  it("treats null profile_tag and append as absent", () => {
    const change = parsePusherChange(body({ profile_tag: null, append: null }), NO_HTTP);
    assert.ok(change.action === "set");
    assert.equal(change.append, false);
    assert.equal("profile_tag" in change.pusher, false);
  });

  it("passes append: true through", () => {
    const change = parsePusherChange(body({ append: true }), NO_HTTP);
    assert.ok(change.action === "set");
    assert.equal(change.append, true);
  });

  it("keeps custom data keys and any format string, as a copy", () => {
    const data: JsonObject = {
      url: "https://gw.example/_matrix/push/v1/notify",
      format: "something_else",
      custom: { nested: [1, 2] },
    };
    const change = parsePusherChange(body({ data }), NO_HTTP);
    assert.ok(change.action === "set");
    assert.deepEqual(change.pusher.data, data);
    assert.notEqual(change.pusher.data, data);
    (data.custom as JsonObject).nested = [];
    assert.deepEqual(change.pusher.data.custom, { nested: [1, 2] });
  });

  it("ignores unknown top-level fields", () => {
    const change = parsePusherChange(body({ extra: 1, "org.example.thing": { a: true } }), NO_HTTP);
    assert.ok(change.action === "set");
    assert.equal("extra" in change.pusher, false);
  });

  it("accepts app_id of 64 code points (astral characters count once) and a 512-byte pushkey", () => {
    const appId = "😀".repeat(64); // 128 UTF-16 units, 64 code points
    const pushkey = "é".repeat(256); // 256 characters, 512 UTF-8 bytes
    const change = parsePusherChange(body({ app_id: appId, pushkey }), NO_HTTP);
    assert.ok(change.action === "set");
    assert.equal(change.pusher.app_id, appId);
    assert.equal(change.pusher.pushkey, pushkey);
  });
});

describe("parsePusherChange: deleting", () => {
  it("kind null deletes, checking nothing but app_id and pushkey", () => {
    assert.deepEqual(parsePusherChange({ kind: null, app_id: "com.example", pushkey: "abc" }, NO_HTTP), {
      action: "delete",
      appId: "com.example",
      pushkey: "abc",
    });
  });

  it("kind null ignores invalid other fields", () => {
    const change = parsePusherChange(body({ kind: null, data: 5, lang: 7, append: "yes" }), NO_HTTP);
    assert.equal(change.action, "delete");
  });

  it("kind null still needs a valid app_id and pushkey", () => {
    rejects(() => parsePusherChange({ kind: null, pushkey: "abc" }, NO_HTTP), "M_MISSING_PARAM");
    rejects(() => parsePusherChange({ kind: null, app_id: "a", pushkey: "" }, NO_HTTP), "M_INVALID_PARAM");
  });
});

describe("parsePusherChange: kind, app_id and pushkey errors", () => {
  it("missing kind is M_MISSING_PARAM, before anything else", () => {
    rejects(() => parsePusherChange(body({}, ["kind"]), NO_HTTP), "M_MISSING_PARAM");
    rejects(() => parsePusherChange({}, NO_HTTP), "M_MISSING_PARAM", "Missing parameters: kind");
  });

  it("missing app_id or pushkey is M_MISSING_PARAM", () => {
    rejects(() => parsePusherChange(body({}, ["app_id"]), NO_HTTP), "M_MISSING_PARAM");
    rejects(() => parsePusherChange(body({}, ["pushkey"]), NO_HTTP), "M_MISSING_PARAM");
  });

  it("non-string app_id or pushkey is M_INVALID_PARAM", () => {
    rejects(() => parsePusherChange(body({ app_id: 5 }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ app_id: null }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ pushkey: ["a"] }), NO_HTTP), "M_INVALID_PARAM");
  });

  it("app_id must be 1 to 64 code points", () => {
    rejects(() => parsePusherChange(body({ app_id: "" }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ app_id: "a".repeat(65) }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ app_id: "😀".repeat(65) }), NO_HTTP), "M_INVALID_PARAM");
  });

  it("pushkey must be 1 to 512 UTF-8 bytes", () => {
    rejects(() => parsePusherChange(body({ pushkey: "" }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ pushkey: "a".repeat(513) }), NO_HTTP), "M_INVALID_PARAM");
    // 257 characters but 514 bytes.
    rejects(() => parsePusherChange(body({ pushkey: "é".repeat(256) + "a".repeat(2) }), NO_HTTP), "M_INVALID_PARAM");
  });

  it("non-string kind is M_INVALID_PARAM", () => {
    rejects(() => parsePusherChange(body({ kind: 1 }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ kind: {} }), NO_HTTP), "M_INVALID_PARAM");
  });

  it("kind email is M_THREEPID_NOT_FOUND (no 3PIDs here)", () => {
    rejects(
      () => parsePusherChange({ kind: "email", app_id: "m.email", pushkey: "alice@example.org" }, NO_HTTP),
      "M_THREEPID_NOT_FOUND",
    );
  });

  it("any other kind is M_INVALID_PARAM Unknown pusher kind", () => {
    rejects(() => parsePusherChange(body({ kind: "sms" }), NO_HTTP), "M_INVALID_PARAM", "Unknown pusher kind");
    rejects(() => parsePusherChange(body({ kind: "HTTP" }), NO_HTTP), "M_INVALID_PARAM", "Unknown pusher kind");
  });
});

describe("parsePusherChange: http fields", () => {
  it("lists every missing field in one error, in spec order (the spec's own example)", () => {
    rejects(() => parsePusherChange(body({}, ["data", "lang"]), NO_HTTP), "M_MISSING_PARAM", "Missing parameters: lang, data");
    rejects(
      () => parsePusherChange(body({}, ["data", "lang", "device_display_name", "app_display_name"]), NO_HTTP),
      "M_MISSING_PARAM",
      "Missing parameters: app_display_name, device_display_name, lang, data",
    );
    rejects(
      () => parsePusherChange(body({}, ["device_display_name"]), NO_HTTP),
      "M_MISSING_PARAM",
      "Missing parameters: device_display_name",
    );
  });

  it("missing fields are reported before wrongly typed ones", () => {
    rejects(() => parsePusherChange(body({ app_display_name: 3 }, ["lang"]), NO_HTTP), "M_MISSING_PARAM", "Missing parameters: lang");
  });

  it("wrongly typed required fields are M_INVALID_PARAM", () => {
    for (const [field, value] of [
      ["app_display_name", 1],
      ["device_display_name", false],
      ["lang", null],
      ["data", "https://gw.example/_matrix/push/v1/notify"],
      ["data", [1]],
      ["data", null],
    ] as Array<[string, JsonValue]>) {
      rejects(() => parsePusherChange(body({ [field]: value }), NO_HTTP), "M_INVALID_PARAM");
    }
  });

  it("wrongly typed profile_tag or append is M_INVALID_PARAM", () => {
    rejects(() => parsePusherChange(body({ profile_tag: 5 }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ append: "true" }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ append: 1 }), NO_HTTP), "M_INVALID_PARAM");
  });

  it("a non-string data.format is M_INVALID_PARAM", () => {
    rejects(
      () => parsePusherChange(body({ data: { url: "https://gw.example/_matrix/push/v1/notify", format: 1 } }), NO_HTTP),
      "M_INVALID_PARAM",
    );
  });
});

describe("parsePusherChange: data.url", () => {
  it("missing url is M_MISSING_PARAM", () => {
    rejects(() => parsePusherChange(body({ data: {} }), NO_HTTP), "M_MISSING_PARAM", "'url' required in data for HTTP pusher");
    rejects(() => parsePusherChange(body({ data: { format: "event_id_only" } }), NO_HTTP), "M_MISSING_PARAM");
  });

  it("a non-string or relative url is M_INVALID_PARAM", () => {
    rejects(() => parsePusherChange(body({ data: { url: 5 } }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(body({ data: { url: null } }), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl(PUSH_NOTIFY_PATH), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl("gw.example/_matrix/push/v1/notify"), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl(""), NO_HTTP), "M_INVALID_PARAM");
  });

  it("accepts https with a port and a query string", () => {
    const url = "https://gw.example:8443/_matrix/push/v1/notify?key=1";
    const change = parsePusherChange(withUrl(url), NO_HTTP);
    assert.ok(change.action === "set");
    assert.equal(change.pusher.data.url, url);
  });

  it("refuses other schemes", () => {
    for (const url of [
      "ftp://gw.example/_matrix/push/v1/notify",
      "wss://gw.example/_matrix/push/v1/notify",
      "file:///_matrix/push/v1/notify",
      "javascript:alert(1)",
    ]) {
      rejects(() => parsePusherChange(withUrl(url), NO_HTTP), "M_INVALID_PARAM");
    }
  });

  it("refuses http unless the host is allowed", () => {
    rejects(() => parsePusherChange(withUrl("http://gw.example/_matrix/push/v1/notify"), NO_HTTP), "M_INVALID_PARAM");
    rejects(
      () => parsePusherChange(withUrl("http://gw.example/_matrix/push/v1/notify"), ["localhost"]),
      "M_INVALID_PARAM",
    );
  });

  it("allows http for an allowed host, whatever its case, port or trailing dot", () => {
    for (const url of [
      "http://localhost/_matrix/push/v1/notify",
      "http://LocalHost:5000/_matrix/push/v1/notify",
      "http://localhost./_matrix/push/v1/notify",
    ]) {
      const change = parsePusherChange(withUrl(url), ["localhost"]);
      assert.ok(change.action === "set", url);
      assert.equal(change.pusher.data.url, url);
    }
  });

  it("matches IPv6 and IPv4 hosts as the URL parser writes them", () => {
    assert.equal(parsePusherChange(withUrl("http://[::1]:8080/_matrix/push/v1/notify"), ["[::1]"]).action, "set");
    assert.equal(parsePusherChange(withUrl("http://127.0.0.1/_matrix/push/v1/notify"), ["127.0.0.1"]).action, "set");
    rejects(() => parsePusherChange(withUrl("http://[::1]/_matrix/push/v1/notify"), ["::1"]), "M_INVALID_PARAM");
  });

  it("refuses a username or password", () => {
    rejects(() => parsePusherChange(withUrl("https://user@gw.example/_matrix/push/v1/notify"), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl("https://user:pw@gw.example/_matrix/push/v1/notify"), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl("https://:pw@gw.example/_matrix/push/v1/notify"), NO_HTTP), "M_INVALID_PARAM");
  });

  it("needs the path to be exactly /_matrix/push/v1/notify", () => {
    const message = "'url' must have a path of '/_matrix/push/v1/notify'";
    for (const url of [
      "https://gw.example/",
      "https://gw.example",
      "https://gw.example/_matrix/push/v1/notify/",
      "https://gw.example/_matrix/push/v2/notify",
      "https://gw.example/prefix/_matrix/push/v1/notify",
      "https://gw.example/_MATRIX/push/v1/notify",
    ]) {
      rejects(() => parsePusherChange(withUrl(url), NO_HTTP), "M_INVALID_PARAM", message);
    }
  });

  it("refuses a fragment, even an empty one", () => {
    rejects(() => parsePusherChange(withUrl("https://gw.example/_matrix/push/v1/notify#x"), NO_HTTP), "M_INVALID_PARAM");
    rejects(() => parsePusherChange(withUrl("https://gw.example/_matrix/push/v1/notify#"), NO_HTTP), "M_INVALID_PARAM");
  });

  it("refuses whitespace and control characters the URL parser would silently drop", () => {
    for (const url of [
      " https://gw.example/_matrix/push/v1/notify",
      "https://gw.example/_matrix/push/v1/notify ",
      "https://gw.exa\tmple/_matrix/push/v1/notify",
      "https://gw.example/_matrix/push/v1/no\ntify",
    ]) {
      rejects(() => parsePusherChange(withUrl(url), NO_HTTP), "M_INVALID_PARAM");
    }
  });
});
