import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_PASSWORD_LENGTH, passwordProblem } from "../../../worker/client/passwordRules.js";
import { signUpPage } from "../../../worker/oauth/pages/signUp.js";

test("passwordProblem: too short and too long are told apart; the legacy API's minimum of 0 keeps only the maximum", () => {
  assert.match(passwordProblem("short") ?? "", /at least 8/);
  assert.match(passwordProblem("x".repeat(MAX_PASSWORD_LENGTH + 1)) ?? "", /at most 512/);
  assert.equal(passwordProblem("x".repeat(8)), undefined);
  assert.equal(passwordProblem("x".repeat(MAX_PASSWORD_LENGTH)), undefined);
  assert.equal(passwordProblem("", 0), undefined);
  assert.match(passwordProblem("x".repeat(MAX_PASSWORD_LENGTH + 1), 0) ?? "", /at most/);
});

test("the sign-up page's password inputs carry the same bounds as minlength and maxlength", () => {
  const text = signUpPage({ serverName: "example.org", next: "/", csrf: "c".repeat(43), mode: "open" }).body.value;
  assert.equal(text.match(/minlength="8" maxlength="512"/g)?.length, 2);
});
