import type { JsonObject } from "../../protocol/json.js";
import {
  CROSS_SIGNING_RESET_ACTION,
  crossSigningResetUrl,
  oauthChallengeBody,
  oauthStageAttempt,
  oauthStageComplete,
} from "../../protocol/oauth/uiaStage.js";
import { issuerOf } from "../../platform/issuer.js";
import { userStub } from "../../platform/stubs.js";
import { json } from "../http.js";
import type { MatrixError } from "../../platform/errors.js";
import type { Ctx } from "../router.js";
import { uiaSessionFor } from "./uia.js";

/**
 * The `m.oauth` user-interactive authentication stage (spec v1.17, "OAuth authentication";
 * MSC4312) for POST /keys/device_signing/upload. A device that signed in through the OAuth 2.0
 * API has no password to give, so replacing its user's cross-signing keys is approved in the
 * browser instead: the 401 names the account page's cross-signing reset action, the user allows
 * the reset there (an approval lasting OAUTH_ACTION_APPROVAL_MS, UserDO's `oauth_approvals`), and the client
 * retries with an `auth` dict holding just the session. Using the approval spends it, so one
 * approval lets one reset through.
 */

/**
 * The m.oauth stage for `userId` on this request: null when it is complete (go ahead), else the
 * 401 to send. A session started for another user or endpoint is 403 (uia.ts). `refusal` is the
 * error the request gets once past this stage, if any.
 */
export async function verifyOAuthUia(ctx: Ctx, userId: string, body: JsonObject, refusal?: MatrixError): Promise<Response | null> {
  const attempt = oauthStageAttempt(body);
  const session = await uiaSessionFor(attempt.session, { userId, path: ctx.url.pathname });
  // The request will be refused anyway (`refusal`, e.g. an invalid upload): say so without
  // spending the approval, so the client's corrected retry still goes through.
  if (attempt.kind === "complete" && refusal) throw refusal;
  if (await oauthStageComplete(attempt, () => userStub(ctx.env, userId).oauthActionApproved(CROSS_SIGNING_RESET_ACTION))) return null;
  const url = crossSigningResetUrl(issuerOf(ctx.env, ctx.url));
  // A retry before the user allowed the reset (or after the approval expired or was used) is
  // told so, and gets the same URL again.
  const error = attempt.kind === "complete" ? { errcode: "M_FORBIDDEN" as const, error: "The reset has not been approved on the account page yet" } : undefined;
  return json(oauthChallengeBody(url, session, error), 401);
}
