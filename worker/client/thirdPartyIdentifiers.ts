import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, readJsonObject, optString, reqString, optObject } from "../http.js";
import { authenticate } from "../auth.js";
import { MatrixError, badJson, badRequest, invalidParam, missingParam } from "../../platform/errors.js";
import type { JsonObject } from "../../protocol/json.js";
import { verifyPasswordUia } from "./uiaPassword.js";

/**
 * Third-party identifiers (spec: "Adding Account Administrative Contact Information",
 * administrative_contact.yaml, the requestToken endpoints of registration.yaml and
 * password_management.yaml, "3PID invites"). Lattice sends no e-mail or SMS and talks to no
 * identity server, so no address is ever validated or bound: every endpoint checks its request
 * as Synapse does, then answers what Synapse answers when e-mail, SMS delegation and identity
 * server lookups are not configured.
 */

const CLIENT_SECRET = /^[0-9a-zA-Z.=_-]{1,255}$/;

function clientSecret(body: JsonObject): string {
  const v = reqString(body, "client_secret");
  if (!CLIENT_SECRET.test(v)) throw invalidParam("Invalid client_secret parameter");
  return v;
}

function medium(body: JsonObject): "email" | "msisdn" {
  const v = reqString(body, "medium");
  if (v !== "email" && v !== "msisdn") throw badJson("medium must be 'email' or 'msisdn'");
  return v;
}

/** The fields every requestToken body has (spec: RequestEmailValidation / RequestMsisdnValidation). */
function requestTokenBody(body: JsonObject): void {
  clientSecret(body);
  const attempt = body.send_attempt;
  if (attempt === undefined || attempt === null) throw missingParam("'send_attempt' is required");
  if (!Number.isInteger(attempt)) throw badJson("'send_attempt' must be an integer");
  optString(body, "next_link");
  const idServer = optString(body, "id_server");
  const idAccessToken = optString(body, "id_access_token");
  if (idServer !== undefined && idAccessToken === undefined) throw invalidParam("id_access_token is required if an id_server is supplied.");
}

function emailRequestTokenBody(body: JsonObject): void {
  requestTokenBody(body);
  // Synapse refuses what it cannot parse as an address: one "@" with something either side.
  if (!/^[^@\s]+@[^@\s]+$/.test(reqString(body, "email").trim())) throw badJson("Unable to parse email address");
}

function msisdnRequestTokenBody(body: JsonObject): void {
  requestTokenBody(body);
  if (!/^[A-Z]{2}$/.test(reqString(body, "country"))) throw badJson("country must be a two-letter ISO 3166-1 alpha-2 code");
  reqString(body, "phone_number");
}

const mediumNotSupported = (text: string) => new MatrixError(400, "M_THREEPID_MEDIUM_NOT_SUPPORTED", text);
const noValidatedSession = () => new MatrixError(400, "M_THREEPID_AUTH_FAILED", "No validated 3pid session found");

async function listThreepids(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  return json({ threepids: [] });
}

/** Deprecated POST /account/3pid: no session is ever validated here. */
async function addThreepidLegacy(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const creds = optObject(body, "three_pid_creds") ?? optObject(body, "threePidCreds");
  if (!creds) throw missingParam("Missing param three_pid_creds");
  reqString(creds, "sid");
  clientSecret(creds);
  throw noValidatedSession();
}

async function addThreepid(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  clientSecret(body);
  reqString(body, "sid");
  optObject(body, "auth");
  const challenge = await verifyPasswordUia(ctx, session.userId, body);
  if (challenge) return challenge;
  throw noValidatedSession();
}

/** Binding goes through the identity server the client names, which this server does not contact. */
async function bindThreepid(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  clientSecret(body);
  reqString(body, "id_access_token");
  reqString(body, "id_server");
  reqString(body, "sid");
  throw new MatrixError(400, "M_SERVER_NOT_TRUSTED", "This server does not contact identity servers");
}

/** delete and unbind: nothing was ever bound or added here, so there is nothing to undo (Synapse: 200, "no-support"). */
async function removeThreepid(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  reqString(body, "address");
  medium(body);
  optString(body, "id_server");
  return json({ id_server_unbind_result: "no-support" });
}

/** A requestToken endpoint: check the body, then Synapse's refusal for that medium and purpose. */
function requestToken(check: (body: JsonObject) => void, refusal: () => MatrixError) {
  return async (req: IRequest, ctx: Ctx): Promise<Response> => {
    const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
    check(body);
    throw refusal();
  };
}

/**
 * POST /rooms/{roomId}/invite with medium and address (a 3PID invite): refused as Synapse refuses
 * it with enable_3pid_lookup off, since finding who owns an address needs an identity server.
 */
export function refuseThirdPartyInvite(body: JsonObject): void {
  if (body.id_server === undefined || body.id_access_token === undefined) {
    throw missingParam("`id_server` and `id_access_token` are required when doing 3pid invite");
  }
  for (const key of ["id_server", "id_access_token", "medium", "address"]) reqString(body, key);
  throw new MatrixError(403, "M_UNKNOWN", "Looking up third-party identifiers is denied from this server");
}

export function registerThirdPartyIdentifierRoutes(): void {
  clientRoute("GET", "/account/3pid", listThreepids);
  clientRoute("POST", "/account/3pid", addThreepidLegacy);
  clientRoute("POST", "/account/3pid/add", addThreepid);
  clientRoute("POST", "/account/3pid/bind", bindThreepid);
  clientRoute("POST", "/account/3pid/delete", removeThreepid);
  clientRoute("POST", "/account/3pid/unbind", removeThreepid);
  clientRoute("POST", "/account/3pid/email/requestToken", requestToken(emailRequestTokenBody, () => mediumNotSupported("Adding an email to your account is disabled on this server")));
  clientRoute("POST", "/account/3pid/msisdn/requestToken", requestToken(msisdnRequestTokenBody, () => mediumNotSupported("Adding phone numbers to user account is not supported by this homeserver")));
  clientRoute("POST", "/register/email/requestToken", requestToken(emailRequestTokenBody, () => badRequest("Email-based registration has been disabled on this server")));
  clientRoute("POST", "/register/msisdn/requestToken", requestToken(msisdnRequestTokenBody, () => badRequest("Registration by phone number is not supported on this homeserver")));
  clientRoute("POST", "/account/password/email/requestToken", requestToken(emailRequestTokenBody, () => badRequest("Email-based password resets have been disabled on this server")));
  // POST /account/password/msisdn/requestToken stays unrouted: Synapse has no such endpoint and
  // answers 404 M_UNRECOGNIZED, which is what an unknown path gets here too.
}
