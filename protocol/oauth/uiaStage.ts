import type { Errcode } from "../errcodes.js";
import { isJsonObject, type JsonObject } from "../json.js";
import { OAUTH_PATHS } from "./authMetadata.js";

/**
 * The rules of the `m.oauth` user-interactive authentication stage (spec v1.17, "OAuth
 * authentication"; MSC4312), free of the server around them: which auth dicts complete it, when
 * the user's approval is consulted, and the 401 that asks for it. worker/client/uiaOAuth.ts
 * applies them to POST /keys/device_signing/upload.
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
