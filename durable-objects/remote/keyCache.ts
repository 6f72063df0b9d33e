/**
 * RemoteDO's cache of one server's verify keys (spec: "Retrieving server keys"): fetched from the
 * server's own /_matrix/key/v2/server, else from configured notaries (TRUSTED_KEY_SERVERS), and
 * kept with their validity.
 */
import { decodeBase64 } from "../../protocol/base64.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { verifyJsonSignature } from "../../protocol/signing.js";
import type { Env } from "../../platform/env.js";
import { resolveServer } from "../../federation-client/discovery.js";
import { remoteStub } from "../../platform/stubs.js";
import { checkKeyResponse, type ParsedKeyResponse } from "./keyResponse.js";
import type { ServerKeyStore } from "./serverKeyStore.js";

const FETCH_TIMEOUT_MS = 15_000;
const MAX_KEY_RESPONSE_BYTES = 256 * 1024;

/** A cached key good until at least `minimumValidUntilTs` (any cached key when undefined). */
export function cachedKey(keys: ServerKeyStore, keyId: string, minimumValidUntilTs?: number): Uint8Array | undefined {
  const row = keys.key(keyId);
  if (!row) return undefined;
  if (minimumValidUntilTs !== undefined && row.validUntilTs < minimumValidUntilTs) return undefined;
  return decodeBase64(row.publicKey);
}

async function getJson(url: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const text = await res.text();
  if (text.length > MAX_KEY_RESPONSE_BYTES) throw new Error("key response too large");
  return JSON.parse(text) as unknown;
}

/** The server's own self-signed key response, checked. */
export async function fetchDirect(env: Env, serverName: string): Promise<{ raw: JsonObject; parsed: ParsedKeyResponse }> {
  const { baseUrl } = await resolveServer(env, serverName);
  const raw = await getJson(`${baseUrl}/_matrix/key/v2/server`, { headers: { Accept: "application/json" } });
  const parsed = await checkKeyResponse(raw, serverName);
  if (typeof parsed === "string") throw new Error(`bad key response from ${serverName}: ${parsed}`);
  return { raw: raw as JsonObject, parsed };
}

/**
 * The server's key responses as a notary reports them: each must be self-signed by the server
 * and signed by the notary with a key we verify through the notary's own RemoteDO.
 */
export async function fetchViaNotary(
  env: Env,
  notary: string,
  serverName: string,
  minimumValidUntilTs: number,
): Promise<{ raw: JsonObject; parsed: ParsedKeyResponse }[]> {
  const { baseUrl } = await resolveServer(env, notary);
  const body = { server_keys: { [serverName]: {} } };
  const reply = await getJson(`${baseUrl}/_matrix/key/v2/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const list = isJsonObject(reply) && Array.isArray(reply.server_keys) ? reply.server_keys : [];
  const out: { raw: JsonObject; parsed: ParsedKeyResponse }[] = [];
  for (const item of list) {
    if (!isJsonObject(item) || item.server_name !== serverName) continue;
    const parsed = await checkKeyResponse(item, serverName);
    if (typeof parsed === "string" || parsed.validUntilTs < minimumValidUntilTs) continue;
    const sigs = isJsonObject(item.signatures) && isJsonObject(item.signatures[notary]) ? item.signatures[notary] : {};
    let notarised = false;
    for (const keyId of Object.keys(sigs)) {
      const key = await remoteStub(env, notary).verifyKey(keyId, Date.now());
      if (key && (await verifyJsonSignature(item, notary, keyId, key))) {
        notarised = true;
        break;
      }
    }
    if (notarised) out.push({ raw: item, parsed });
  }
  return out;
}
