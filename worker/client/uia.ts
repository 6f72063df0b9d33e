import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { json } from "../http.js";
import { randomString } from "../../durable-objects/user/tokens.js";

/**
 * User-interactive authentication (spec: client-server-api "User-interactive authentication API").
 * Every flow Lattice offers has a single stage, so a session needs no server-side state: the
 * stage is checked in the request that completes it.
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

/** The 401 that tells the client which flows it may complete. */
export function uiaChallenge(stages: string[], session?: string, error?: { errcode: string; error: string }): Response {
  return json(
    {
      flows: [{ stages }],
      params: {},
      session: session ?? randomString(16),
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
