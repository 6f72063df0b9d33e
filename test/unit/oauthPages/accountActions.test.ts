import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCOUNT_MANAGEMENT_ACTIONS } from "../../../protocol/oauth/authMetadata.js";
import { accountAction } from "../../../worker/oauth/pages/account.js";

test("every account management action the server metadata advertises is one the account page understands", () => {
  for (const action of ACCOUNT_MANAGEMENT_ACTIONS) assert.notEqual(accountAction(action), null, action);
});
