import { test } from "node:test";
import assert from "node:assert/strict";
import { MatrixError, toMatrixError, forbidden, limitExceeded, remoteFailed } from "../../../platform/errors.js";
import { ERRCODES, isErrcode } from "../../../protocol/errcodes.js";
import { invalidPusherParam, PusherError } from "../../../protocol/push/index.js";
import { ruleNotFound } from "../../../protocol/pushRules/index.js";
import { FilterError } from "../../../protocol/filters/index.js";
import { SlidingSyncRequestError } from "../../../protocol/slidingSync/errors.js";

/** What a caller of a Durable Object's RPC method receives: only the message survives. */
const acrossRpc = (e: Error) => new Error(e.message);

test("a MatrixError crosses the RPC boundary with its status, errcode, text and extra fields", () => {
  const back = toMatrixError(acrossRpc(limitExceeded(1500)));
  assert.ok(back instanceof MatrixError);
  assert.equal(back.status, 429);
  assert.equal(back.errcode, "M_LIMIT_EXCEEDED");
  assert.deepEqual(back.body(), { errcode: "M_LIMIT_EXCEEDED", error: "Too many requests", retry_after_ms: 1500 });
});

test("text with brackets, quotes, braces and newlines survives unchanged", () => {
  const text = 'You are not [allowed] to {do} "that"\nsecond line';
  const back = toMatrixError(acrossRpc(forbidden(text)));
  assert.equal(back?.text, text);
  assert.deepEqual(back?.extra, {});
});

test("the runtime's 'MatrixError: ' name prefix is tolerated", () => {
  const e = remoteFailed("remote said no");
  const back = toMatrixError(new Error(`MatrixError: ${e.message}`));
  assert.equal(back?.status, 502);
  assert.equal(back?.errcode, "M_UNKNOWN");
});

test("other errors are not Matrix errors", () => {
  assert.equal(toMatrixError(new Error("boom")), undefined);
  assert.equal(toMatrixError(new Error('MatrixError {"status":403}')), undefined);
  assert.equal(toMatrixError(new Error('MatrixError {"status":403,"errcode":"M_FORBIDEN","error":"typo"}')), undefined);
  assert.equal(toMatrixError(new Error('oops MatrixError {"status":403,"errcode":"M_FORBIDDEN","error":"x"}')), undefined);
  assert.equal(toMatrixError("a string"), undefined);
});

test("the errcode union holds the spec's codes, each once", () => {
  assert.equal(new Set(ERRCODES).size, ERRCODES.length);
  for (const c of ["M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_LIMIT_EXCEEDED", "M_UNKNOWN_POS", "M_EXCLUSIVE"]) assert.ok(isErrcode(c), c);
  assert.equal(isErrcode("M_FORBIDEN"), false);
  assert.equal(isErrcode(403), false);
});

// A protocol rule's refusal (SpecError and its kinds) becomes the Matrix error it names, so handlers need not catch it.
test("each protocol error kind maps to its status and errcode", () => {
  const cases: [Error, number, string][] = [
    [invalidPusherParam("'url' must be an https URL"), 400, "M_INVALID_PARAM"],
    [new PusherError(400, "M_THREEPID_NOT_FOUND", "no e-mail"), 400, "M_THREEPID_NOT_FOUND"],
    [ruleNotFound("room", "!r:x"), 404, "M_NOT_FOUND"],
    [new FilterError("M_BAD_JSON", "'limit' must be an integer"), 400, "M_BAD_JSON"],
    [new SlidingSyncRequestError("M_INVALID_PARAM", "bad range"), 400, "M_INVALID_PARAM"],
  ];
  for (const [e, status, errcode] of cases) {
    const m = toMatrixError(e);
    assert.ok(m, e.message);
    assert.equal(m.status, status);
    assert.deepEqual(m.body(), { errcode, error: e.message });
  }
});

test("an error that is no Matrix or protocol error stays unmapped (a 500)", () => {
  assert.equal(toMatrixError(new Error("boom")), undefined);
  assert.equal(toMatrixError(new TypeError("x is undefined")), undefined);
});
