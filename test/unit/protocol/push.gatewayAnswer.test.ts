import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  gatewayOutcome,
  PUSH_GIVE_UP_AFTER_MS,
  PUSH_RETRY_FIRST_MS,
  PUSH_RETRY_MAX_MS,
  pushRetryDelayMs,
} from "../../../protocol/push/index.js";

describe("pushRetryDelayMs", () => {
  it("has the agreed constants", () => {
    assert.equal(PUSH_RETRY_FIRST_MS, 1000);
    assert.equal(PUSH_RETRY_MAX_MS, 3_600_000);
    assert.equal(PUSH_GIVE_UP_AFTER_MS, 86_400_000);
  });

  it("doubles from one second", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map(pushRetryDelayMs),
      [1000, 2000, 4000, 8000, 16000, 512_000],
    );
  });

  it("is capped at an hour", () => {
    assert.equal(pushRetryDelayMs(12), 2_048_000);
    assert.equal(pushRetryDelayMs(13), PUSH_RETRY_MAX_MS); // 4,096,000 would be over an hour
    assert.equal(pushRetryDelayMs(50), PUSH_RETRY_MAX_MS);
    assert.equal(pushRetryDelayMs(5000), PUSH_RETRY_MAX_MS); // 2 ** 4999 is Infinity
  });

  it("treats a nonsensical failure count as the first failure", () => {
    assert.equal(pushRetryDelayMs(0), PUSH_RETRY_FIRST_MS);
    assert.equal(pushRetryDelayMs(-3), PUSH_RETRY_FIRST_MS);
    assert.equal(pushRetryDelayMs(Number.NaN), PUSH_RETRY_FIRST_MS);
  });
});

describe("gatewayOutcome", () => {
  it("2xx is delivered with the rejected pushkeys (push_notifier.yaml's example answer)", () => {
    assert.deepEqual(gatewayOutcome(200, { rejected: ["V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/"] }), {
      kind: "delivered",
      rejected: ["V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/"],
    });
    assert.deepEqual(gatewayOutcome(204, { rejected: [] }), { kind: "delivered", rejected: [] });
  });

  it("keeps only the string entries of rejected", () => {
    assert.deepEqual(gatewayOutcome(200, { rejected: ["a", 1, null, { k: "b" }, "c"] }), {
      kind: "delivered",
      rejected: ["a", "c"],
    });
  });

  it("a 2xx with no usable body is delivered with nothing rejected", () => {
    for (const body of [undefined, null, {}, "ok", [["a"]], { rejected: "a" }, { rejected: { a: 1 } }]) {
      assert.deepEqual(gatewayOutcome(200, body), { kind: "delivered", rejected: [] });
    }
  });

  it("408, 429 and 5xx are retried", () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) {
      assert.equal(gatewayOutcome(status, {}).kind, "retry", String(status));
    }
  });

  it("any other status is dropped", () => {
    for (const status of [400, 401, 403, 404, 405, 410, 413, 301, 302, 100]) {
      assert.equal(gatewayOutcome(status, { rejected: ["a"] }).kind, "dropped", String(status));
    }
  });

  it("says which status it saw", () => {
    const retry = gatewayOutcome(503, null);
    assert.ok(retry.kind === "retry" && retry.reason.includes("503"));
    const dropped = gatewayOutcome(404, null);
    assert.ok(dropped.kind === "dropped" && dropped.reason.includes("404"));
  });
});
