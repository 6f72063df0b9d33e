/**
 * The m.oauth UIA stage's rules (protocol/oauth/uiaStage.ts; spec v1.17 "OAuth authentication",
 * MSC4312): which auth dicts complete it, when the approval is asked for (and so spent), and the
 * 401's shape. The whole flow runs in test/e2e/oauthCrossSigningReset.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CROSS_SIGNING_RESET_STAGE,
  OAUTH_STAGE,
  crossSigningResetUrl,
  oauthChallengeBody,
  oauthStageAttempt,
  oauthStageComplete,
} from "../../../../protocol/oauth/uiaStage.js";

test("the stage names: the spec's m.oauth and MSC4312's unstable org.matrix.cross_signing_reset", () => {
  assert.equal(OAUTH_STAGE, "m.oauth");
  assert.equal(CROSS_SIGNING_RESET_STAGE, "org.matrix.cross_signing_reset");
});

test("auth dicts: {session} alone completes the stage (the spec's form), so do both stage types with a session", () => {
  assert.deepEqual(oauthStageAttempt({ auth: { session: "s.t" } }), { kind: "complete", session: "s.t" });
  assert.deepEqual(oauthStageAttempt({ auth: { type: "m.oauth", session: "s.t" } }), { kind: "complete", session: "s.t" });
  assert.deepEqual(oauthStageAttempt({ auth: { type: "org.matrix.cross_signing_reset", session: "s.t" } }), { kind: "complete", session: "s.t" });
});

test("auth dicts that start the stage: none, not an object, no session", () => {
  assert.deepEqual(oauthStageAttempt({}), { kind: "start" });
  assert.deepEqual(oauthStageAttempt({ auth: null }), { kind: "start" });
  assert.deepEqual(oauthStageAttempt({ auth: "s.t" }), { kind: "start" });
  assert.deepEqual(oauthStageAttempt({ auth: {} }), { kind: "start" });
  assert.deepEqual(oauthStageAttempt({ auth: { type: "m.oauth" } }), { kind: "start" });
  assert.deepEqual(oauthStageAttempt({ auth: { session: 42 } }), { kind: "start" });
});

test("another stage (a password) is not this stage, even with a session: an OAuth device cannot use its password here", () => {
  assert.deepEqual(oauthStageAttempt({ auth: { type: "m.login.password", password: "p", session: "s.t" } }), { kind: "other", session: "s.t" });
  assert.deepEqual(oauthStageAttempt({ auth: { type: "m.login.dummy" } }), { kind: "other", session: undefined });
});

test("the approval is asked for only by a completing attempt, once; its answer decides", async () => {
  let asked = 0;
  const approved = (answer: boolean) => async () => {
    asked++;
    return answer;
  };
  assert.equal(await oauthStageComplete({ kind: "start" }, approved(true)), false);
  assert.equal(await oauthStageComplete({ kind: "other", session: "s.t" }, approved(true)), false);
  assert.equal(asked, 0, "a first attempt must not spend an approval meant for the retry");
  assert.equal(await oauthStageComplete({ kind: "complete", session: "s.t" }, approved(false)), false);
  assert.equal(await oauthStageComplete({ kind: "complete", session: "s.t" }, approved(true)), true);
  assert.equal(asked, 2);
});

test("the URL is the account page's cross_signing_reset action under the issuer", () => {
  assert.equal(crossSigningResetUrl("https://matrix.example.org/"), "https://matrix.example.org/account/?action=org.matrix.cross_signing_reset");
  assert.match(crossSigningResetUrl("http://127.0.0.1:8008/"), /^https?:\/\//, "m.oauth_params: the url is http(s)");
});

test("the 401 body offers both flows, each stage's params with the URL, and the session (MSC4312's example shape)", () => {
  const url = "https://matrix.example.org/account/?action=org.matrix.cross_signing_reset";
  assert.deepEqual(oauthChallengeBody(url, "abc.tag"), {
    flows: [{ stages: ["m.oauth"] }, { stages: ["org.matrix.cross_signing_reset"] }],
    params: { "m.oauth": { url }, "org.matrix.cross_signing_reset": { url } },
    session: "abc.tag",
  });
  const again = oauthChallengeBody(url, "abc.tag", { errcode: "M_FORBIDDEN", error: "not yet" });
  assert.equal(again.errcode, "M_FORBIDDEN");
  assert.deepEqual(again.flows, [{ stages: ["m.oauth"] }, { stages: ["org.matrix.cross_signing_reset"] }]);
});
