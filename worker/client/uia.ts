import type { Errcode } from "../../protocol/errcodes.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { encodeBase64Url } from "../../protocol/base64.js";
import { json } from "../http.js";
import { forbidden } from "../../platform/errors.js";
import { randomString } from "../../platform/tokens.js";

/**
 * User-interactive authentication (spec: client-server-api "User-interactive authentication API").
 * Every flow Lattice offers has a single stage, so a session needs no server-side state: the
 * stage is checked in the request that completes it. Only a completed registration is remembered
 * by its session (ServerDO), so that a retry gets the same account (account.ts).
 *
 * A session still belongs to the request that started it: the spec has the client pass it back
 * "in subsequent attempts to authenticate in the same API call". The session ID carries a digest
 * of (user, endpoint), and a session presented with another user or endpoint is refused, as
 * Synapse refuses it ("Requested operation has changed during the UI authentication session").
 * The digest needs no secret, as forging the tag gains nothing. What a session grants is its random
 * part: one that completed a registration logs in to that account again for 48 hours (a retry, as
 * Synapse allows), so the session ID is a credential like an access token and must not be logged.
 */
export interface UiaAuth {
  type: string;
  session?: string;
  body: JsonObject;
}

export function uiaAuthOf(body: JsonObject): UiaAuth | undefined {
  const auth = body.auth;
  if (!isJsonObject(auth) || typeof auth.type !== "string") return undefined;
  return { type: auth.type, session: typeof auth.session === "string" ? auth.session : undefined, body: auth };
}

/** The API call a session belongs to: the user making it ("" when registering) and its endpoint. */
export interface UiaCall {
  userId: string;
  /** The request path; r0 and v3 spellings of one endpoint are the same call. */
  path: string;
}

async function callTag(call: UiaCall): Promise<string> {
  const path = call.path.replace(/^\/_matrix\/client\/(?:r0|v3)\//, "/_matrix/client/v3/");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${call.userId}\n${path}`));
  return encodeBase64Url(new Uint8Array(digest)).slice(0, 16);
}

/**
 * The session for this attempt: the client's own when it belongs to `call`, a new one when the
 * client has none. A session started for another user or endpoint is 403 M_FORBIDDEN.
 */
export async function uiaSessionFor(session: string | undefined, call: UiaCall): Promise<string> {
  const tag = await callTag(call);
  if (session === undefined) return `${randomString(12)}.${tag}`;
  if (!session.endsWith(`.${tag}`)) throw forbidden("This authentication session was started for another request");
  return session;
}

/**
 * Whether `session` has the shape of one this server issued: a full random part (randomString(12),
 * 16 base64url characters) before the tag. Clients can present any random part with a valid tag;
 * one they made up may be short enough to guess, so it is never trusted as a credential.
 */
export function isIssuedShape(session: string): boolean {
  return /^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{16}$/.test(session);
}

/** The 401 that tells the client which flows it may complete. */
export function uiaChallenge(stages: string[], session: string, error?: { errcode: Errcode; error: string }): Response {
  return json(
    {
      flows: [{ stages }],
      params: {},
      session,
      ...(error ?? {}),
    },
    401,
  );
}

/** The user named by an `m.login.password` auth dict or login body (identifier or legacy `user`). */
export function identifiedUser(body: JsonObject): string | undefined {
  const id = body.identifier;
  if (isJsonObject(id)) {
    if (id.type === "m.id.user" && typeof id.user === "string") return id.user;
    return undefined;
  }
  return typeof body.user === "string" ? body.user : undefined;
}
