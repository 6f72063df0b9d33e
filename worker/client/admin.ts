import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject, reqString, optBool, optString } from "../http.js";
import { forbidden, badJson, invalidUsername, badRequest } from "../../platform/errors.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { randomString } from "../../platform/tokens.js";
import { constantTimeEqual } from "../../platform/bytes.js";
import { isValidNewLocalpart } from "./localpart.js";
import { setServerAdmin } from "../admin/requireAdmin.js";
import { hmacSha1 } from "../../protocol/hmacSha1.js";

/**
 * Shared-secret registration, as Synapse's admin API defines it, so `register_new_matrix_user`
 * and similar tools work: GET gives a nonce; POST carries
 * mac = hex(HMAC-SHA1(secret, nonce NUL username NUL password NUL ("admin"|"notadmin"))).
 */

function disabled(ctx: Ctx): boolean {
  return !ctx.env.REGISTRATION_SHARED_SECRET;
}

async function getNonce(_req: IRequest, ctx: Ctx): Promise<Response> {
  if (disabled(ctx)) throw badRequest("Shared secret registration is not enabled");
  const nonce = randomString(24);
  await serverStub(ctx.env).issueNonce(nonce);
  return json({ nonce });
}

async function hmacSha1Hex(secret: string, message: Uint8Array): Promise<string> {
  return Array.from(await hmacSha1(secret, message), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function register(req: IRequest, ctx: Ctx): Promise<Response> {
  if (disabled(ctx)) throw badRequest("Shared secret registration is not enabled");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const nonce = reqString(body, "nonce");
  const username = reqString(body, "username").toLowerCase();
  const password = reqString(body, "password");
  const admin = optBool(body, "admin") ?? false;
  const mac = reqString(body, "mac").toLowerCase();
  if (!/^[0-9a-f]+$/.test(mac)) throw badJson("mac must be hex");
  const enc = new TextEncoder();
  const parts = [nonce, username, password, admin ? "admin" : "notadmin"].map((p) => enc.encode(p));
  const message = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, -1));
  let off = 0;
  parts.forEach((p, i) => {
    message.set(p, off);
    off += p.length;
    if (i < parts.length - 1) message[off++] = 0;
  });
  const expected = await hmacSha1Hex(ctx.env.REGISTRATION_SHARED_SECRET ?? "", message);
  if (!constantTimeEqual(enc.encode(expected), enc.encode(mac))) throw forbidden("HMAC incorrect");
  if (!(await serverStub(ctx.env).consumeNonce(nonce))) throw badRequest("Unrecognised nonce");
  if (!isValidNewLocalpart(username, ctx.config.serverName)) throw invalidUsername("Invalid username");
  const userId = `@${username}:${ctx.config.serverName}`;
  const res = await userStub(ctx.env, userId).register(userId, {
    password,
    isGuest: false,
    inhibitLogin: false,
    deviceDisplayName: optString(body, "displayname"),
  });
  await serverStub(ctx.env).upsertUser(userId, username, null);
  // The MAC covers the flag, so only the secret's holder makes an admin.
  if (admin) await setServerAdmin(ctx, userId, true);
  return json({ ...res, home_server: ctx.config.serverName });
}

export function registerAdminRoutes(): void {
  route("GET", "/_synapse/admin/v1/register", getNonce);
  route("POST", "/_synapse/admin/v1/register", register);
}
