/**
 * Inbound request authentication (spec: "Request Authentication"). Every federation request is
 * checked before a handler sees it: the X-Matrix header parses, its destination (when given) is
 * this server, the origin is a valid server name other than ours, the body fits the limit and
 * is JSON, and the signature over {method, uri, origin, destination, content} verifies with the
 * origin's key (fetched and cached by the origin's RemoteDO). Any failure is 401 M_UNAUTHORIZED.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { MatrixError, notJson, tooLarge } from "../../platform/errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { isValidServerName } from "../../protocol/identifiers.js";
import { parseXMatrix, XMatrixParseError, type XMatrixAuth } from "../../federation-client/xMatrix.js";
import { verifyRequestSignature } from "../../federation-client/requestSigning.js";
import { remoteStub } from "../../platform/stubs.js";
import { remoteVerifyKey } from "../../federation-client/keyMemory.js";

/** Largest federation request body: a full transaction (50 PDUs of up to 64 KiB, 100 EDUs). */
export const MAX_FEDERATION_BODY_BYTES = 8 * 1024 * 1024;

const unauthorized = (text: string) => new MatrixError(401, "M_UNAUTHORIZED", text);

async function readBody(req: IRequest): Promise<string> {
  const declared = Number(req.headers.get("Content-Length") ?? "0");
  if (declared > MAX_FEDERATION_BODY_BYTES) throw tooLarge(`Request body is larger than ${MAX_FEDERATION_BODY_BYTES} bytes`);
  const buf = await req.arrayBuffer();
  if (buf.byteLength > MAX_FEDERATION_BODY_BYTES) throw tooLarge(`Request body is larger than ${MAX_FEDERATION_BODY_BYTES} bytes`);
  return new TextDecoder().decode(buf);
}

export async function authenticateFederation(req: IRequest, ctx: Ctx): Promise<{ origin: string; body: JsonObject | undefined }> {
  const header = req.headers.get("Authorization");
  if (!header) throw unauthorized("Missing X-Matrix Authorization header");
  let auth: XMatrixAuth;
  try {
    auth = parseXMatrix(header);
  } catch (e) {
    throw unauthorized(e instanceof XMatrixParseError ? `Malformed X-Matrix header: ${e.message}` : "Malformed X-Matrix header");
  }
  const ours = ctx.config.serverName;
  if (auth.destination !== undefined && auth.destination !== ours) throw unauthorized("Request is not addressed to this server");
  if (!isValidServerName(auth.origin) || auth.origin === ours) throw unauthorized("Invalid origin");
  if (!auth.key.startsWith("ed25519:")) throw unauthorized("Unsupported key algorithm");

  const text = await readBody(req);
  let content: JsonValue | undefined;
  if (text.trim() !== "") {
    try {
      content = JSON.parse(text) as JsonValue;
    } catch {
      throw unauthorized("Request body is not JSON, so its signature cannot be checked");
    }
  }

  let publicKey: Uint8Array | undefined;
  try {
    publicKey = await remoteVerifyKey(ctx.env, auth.origin, auth.key, Date.now());
  } catch (e) {
    console.warn(`key lookup for ${auth.origin} failed: ${e instanceof Error ? e.message : String(e)}`);
    publicKey = undefined;
  }
  if (!publicKey) throw unauthorized(`Cannot find key ${auth.key} of ${auth.origin}`);

  const uri = ctx.url.pathname + ctx.url.search;
  const request = { method: req.method, uri, origin: auth.origin, destination: auth.destination ?? ours, content };
  if (!(await verifyRequestSignature(request, auth, publicKey))) throw unauthorized("Invalid signature");

  if (content !== undefined && !isJsonObject(content)) throw notJson("Request body must be a JSON object");
  pokeOutboundQueue(ctx, auth.origin);
  return { origin: auth.origin, body: content };
}

/** How often one isolate tells an origin's RemoteDO that the origin is reachable. */
const POKE_INTERVAL_MS = 5_000;
const lastPoke = new Map<string, number>();

/**
 * A server that talks to us is up: if our queue to it is waiting out a backoff, send now, so a
 * server returning from downtime gets its backlog promptly. Throttled per isolate and done in the
 * background; RemoteDO.retryNow is a no-op when nothing is waiting.
 */
function pokeOutboundQueue(ctx: Ctx, origin: string): void {
  const now = Date.now();
  if (now - (lastPoke.get(origin) ?? 0) < POKE_INTERVAL_MS) return;
  if (lastPoke.size > 10_000) lastPoke.clear();
  lastPoke.set(origin, now);
  ctx.exec.waitUntil(remoteStub(ctx.env, origin).retryNow().catch((e: unknown) => console.warn(`retryNow for ${origin} failed: ${e instanceof Error ? e.message : String(e)}`)));
}
