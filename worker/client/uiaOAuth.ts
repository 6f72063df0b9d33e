import type { Errcode } from "../../protocol/errcodes.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { issuerOf } from "../../platform/issuer.js";
import { userStub } from "../../platform/stubs.js";
import { json } from "../http.js";
import type { Ctx } from "../router.js";
import { uiaSessionFor } from "./uia.js";

/**
 * The `m.oauth` user-interactive authentication stage (spec v1.17, "OAuth authentication";
 * MSC4312) for POST /keys/device_signing/upload. A device that signed in through the OAuth 2.0
 * API has no password to give, so replacing its user's cross-signing keys is approved in the
 * browser instead: the 401 names the account page's cross-signing reset action, the user allows
 * the reset there (an approval lasting 10 minutes, UserDO's `oauth_approvals`), and the client
 * retries with an `auth` dict holding just the session. Using the approval spends it, so one
 * approval lets one reset through.
 */

/** The stable stage name (spec v1.17). */
export const OAUTH_STAGE = "m.oauth";
/**
 * MSC4312's unstable name for the same stage. Clients built before v1.17 (Element's, against
 * matrix.org) look for it, so the MSC asks servers to offer both flows while migrating.
 */
export const CROSS_SIGNING_RESET_STAGE = "org.matrix.cross_signing_reset";
/** The account management action the stage's URL deep-links to, and the approval's name. */
export const CROSS_SIGNING_RESET_ACTION = "org.matrix.cross_signing_reset";

/** What the client sent in `auth`, as far as the m.oauth stage is concerned. */
export type OAuthStageAttempt =
  /** No auth dict (or one without a session): the first attempt, answered with the challenge. */
  | { kind: "start"; session?: undefined }
  /** `{session}` alone, as the spec has it, or with `type` m.oauth or the unstable name. */
  | { kind: "complete"; session: string }
  /** A stage this endpoint does not offer such a device (e.g. m.login.password). */
  | { kind: "other"; session?: string };

/**
 * Reads `body.auth`. The general UIA parser (uia.ts `uiaAuthOf`) insists on a `type`, which every
 * other stage has; m.oauth is completed by the session alone, so it is read here.
 */
export function oauthStageAttempt(body: JsonObject): OAuthStageAttempt {
  const auth = body.auth;
  if (!isJsonObject(auth)) return { kind: "start" };
  const session = typeof auth.session === "string" ? auth.session : undefined;
  const type = auth.type;
  if (type !== undefined && type !== OAUTH_STAGE && type !== CROSS_SIGNING_RESET_STAGE) return { kind: "other", session };
  if (session === undefined) return { kind: "start" };
  return { kind: "complete", session };
}

/** The account page URL that approves a cross-signing reset (the issuer is where the pages are). */
export function crossSigningResetUrl(issuer: string): string {
  return `${issuer}${OAUTH_PATHS.accountManagement}?action=${encodeURIComponent(CROSS_SIGNING_RESET_ACTION)}`;
}

/** The 401 body: both flows (stable and unstable), each stage's params with the URL (m.oauth_params). */
export function oauthChallengeBody(url: string, session: string, error?: { errcode: Errcode; error: string }): JsonObject {
  return {
    flows: [{ stages: [OAUTH_STAGE] }, { stages: [CROSS_SIGNING_RESET_STAGE] }],
    params: { [OAUTH_STAGE]: { url }, [CROSS_SIGNING_RESET_STAGE]: { url } },
    session,
    ...(error ?? {}),
  };
}

/**
 * Whether the attempt completes the stage. The approval is asked for (and so spent) only when
 * the client claims to have completed the stage: a first attempt must not use up an approval
 * the user gave for the retry.
 */
export async function oauthStageComplete(attempt: OAuthStageAttempt, approved: () => Promise<boolean>): Promise<boolean> {
  return attempt.kind === "complete" && (await approved());
}

/**
 * The m.oauth stage for `userId` on this request: null when it is complete (go ahead), else the
 * 401 to send. A session started for another user or endpoint is 403 (uia.ts).
 */
export async function verifyOAuthUia(ctx: Ctx, userId: string, body: JsonObject): Promise<Response | null> {
  const attempt = oauthStageAttempt(body);
  const session = await uiaSessionFor(attempt.session === undefined ? undefined : { type: OAUTH_STAGE, session: attempt.session, body: {} }, {
    userId,
    path: ctx.url.pathname,
  });
  if (await oauthStageComplete(attempt, () => userStub(ctx.env, userId).oauthActionApproved(CROSS_SIGNING_RESET_ACTION))) return null;
  const url = crossSigningResetUrl(issuerOf(ctx.env, ctx.url));
  // A retry before the user allowed the reset (or after the approval expired or was used) is
  // told so, and gets the same URL again.
  const error = attempt.kind === "complete" ? { errcode: "M_FORBIDDEN" as const, error: "The reset has not been approved on the account page yet" } : undefined;
  return json(oauthChallengeBody(url, session, error), 401);
}
