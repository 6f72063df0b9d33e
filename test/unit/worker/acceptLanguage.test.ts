/** Accept-Language as the account page reads it, for apps' localized names (worker/oauth/acceptLanguage.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptedLanguages } from "../../../worker/oauth/acceptLanguage.js";

test("languages by weight, each regional tag followed by its language; * and q=0 name nothing", () => {
  assert.deepEqual(acceptedLanguages("fr-CA, fr;q=0.9, en;q=0.8, *;q=0.5"), ["fr-CA", "fr", "en"]);
  assert.deepEqual(acceptedLanguages("en;q=0.5, de"), ["de", "en"]);
  assert.deepEqual(acceptedLanguages("de;q=0, nl"), ["nl"]);
  assert.deepEqual(acceptedLanguages("pt-BR"), ["pt-BR", "pt"]);
});

test("absent, empty, malformed or oversized headers give no languages", () => {
  assert.deepEqual(acceptedLanguages(null), []);
  assert.deepEqual(acceptedLanguages(""), []);
  assert.deepEqual(acceptedLanguages("en;q=abc"), []);
  assert.deepEqual(acceptedLanguages(`${"x,".repeat(600)}en`), []);
});
