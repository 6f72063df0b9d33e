import { test } from "node:test";
import assert from "node:assert/strict";
import { callbackUrl } from "../../../../protocol/oauth/callback.js";

test("the spec's fragment callback sample", () => {
  assert.equal(
    callbackUrl("https://app.example.com/oauth2-callback", "fragment", { state: "ewubooN9weezeewah9fol4oothohroh3", code: "iuB7Eiz9heengah1joh2ioy9ahChuP6R" }),
    "https://app.example.com/oauth2-callback#state=ewubooN9weezeewah9fol4oothohroh3&code=iuB7Eiz9heengah1joh2ioy9ahChuP6R",
  );
});

test("query mode on a private-use scheme, and on a URI that has a query of its own", () => {
  assert.equal(callbackUrl("com.example.app:/callback", "query", { state: "s", code: "c" }), "com.example.app:/callback?state=s&code=c");
  assert.equal(callbackUrl("https://example.com:5173/?query=value", "query", { code: "c", state: "s" }), "https://example.com:5173/?query=value&code=c&state=s");
});

test("an error callback encodes its description and leaves out what is unset", () => {
  assert.equal(
    callbackUrl("https://app.example.com/cb", "fragment", { state: undefined, error: "access_denied", error_description: "The resource owner denied the request." }),
    "https://app.example.com/cb#error=access_denied&error_description=The+resource+owner+denied+the+request.",
  );
});
