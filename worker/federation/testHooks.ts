/**
 * Test-only endpoints that make this server act as a federation client, so end-to-end tests can
 * drive the outbound side (signed requests, the RemoteDO queue) without the room machinery.
 * They exist only with FEDERATION_TEST_HOOKS = "true" (never set in production); otherwise they
 * answer 404 M_UNRECOGNIZED like any unknown path.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject, reqString } from "../http.js";
import { badJson, unrecognized } from "../../platform/errors.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";
import { remoteStub } from "../../platform/stubs.js";

function enabled(ctx: Ctx): void {
  if (ctx.env.FEDERATION_TEST_HOOKS !== "true") throw unrecognized();
}

/** {destination, path}: a signed GET to another server; its reply or its FederationError. */
async function request(req: IRequest, ctx: Ctx): Promise<Response> {
  enabled(ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  try {
    const reply = await federationRequest(ctx.env, reqString(body, "destination"), "GET", reqString(body, "path"));
    return json({ ok: true, reply });
  } catch (e) {
    if (!(e instanceof FederationError)) throw e;
    return json({ ok: false, status: e.status, errcode: e.errcode ?? null, network: e.network, message: e.message });
  }
}

/** {destination, pdus?, edus?}: queue for sending. */
async function queue(req: IRequest, ctx: Ctx): Promise<Response> {
  enabled(ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const stub = remoteStub(ctx.env, reqString(body, "destination"));
  const list = (k: string): JsonObject[] => {
    const v = body[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every(isJsonObject)) throw badJson(`'${k}' must be an array of objects`);
    return v as JsonObject[];
  };
  await stub.queue(list("pdus"), list("edus"));
  return json({});
}

/** {destination}: the queue's state; with flush: true, send now ignoring the backoff. */
async function status(req: IRequest, ctx: Ctx): Promise<Response> {
  enabled(ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const stub = remoteStub(ctx.env, reqString(body, "destination"));
  return json(body.flush === true ? await stub.flush() : await stub.status());
}

export function registerFederationTestHooks(): void {
  route("POST", "/_lattice/test/federation/request", request);
  route("POST", "/_lattice/test/federation/queue", queue);
  route("POST", "/_lattice/test/federation/status", status);
}
