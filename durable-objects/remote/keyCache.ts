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

const FETCH_TIMEOUT_MS = 15_000;
const MAX_KEY_RESPONSE_BYTES = 256 * 1024;

interface KeyRow {
  public_key: string;
  valid_until_ts: number;
}

/** A cached key good until at least `minimumValidUntilTs` (any cached key when undefined). */
export function cachedKey(sql: SqlStorage, keyId: string, minimumValidUntilTs?: number): Uint8Array | undefined {
  const row = sql.exec<KeyRow & Record<string, SqlStorageValue>>("SELECT public_key, valid_until_ts FROM server_keys WHERE key_id = ?", keyId).toArray()[0];
  if (!row) return undefined;
  if (minimumValidUntilTs !== undefined && row.valid_until_ts < minimumValidUntilTs) return undefined;
  return decodeBase64(row.public_key);
}

/** Stores a checked response: its keys, and the response itself for serving as a notary. */
export function storeKeyResponse(sql: SqlStorage, raw: JsonObject, parsed: ParsedKeyResponse, now: number): void {
  for (const k of parsed.keys) {
    sql.exec(
      `INSERT INTO server_keys (key_id, public_key, valid_until_ts, expired_ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (key_id) DO UPDATE SET public_key = excluded.public_key, valid_until_ts = excluded.valid_until_ts, expired_ts = excluded.expired_ts`,
      k.keyId,
      k.publicKey,
      k.validUntilTs,
      k.expiredTs ?? null,
    );
  }
  // Only the newest response is kept: it lists the old keys as old_verify_keys.
  const newest = sql.exec<{ v: number | null }>("SELECT MAX(valid_until_ts) AS v FROM key_responses").one().v;
  if (newest === null || parsed.validUntilTs >= newest) {
    sql.exec("DELETE FROM key_responses");
    sql.exec("INSERT INTO key_responses (valid_until_ts, fetched_ts, json) VALUES (?, ?, ?)", parsed.validUntilTs, now, JSON.stringify(raw));
  }
}

export function cachedResponses(sql: SqlStorage): { validUntilTs: number; json: JsonObject }[] {
  return sql
    .exec<{ valid_until_ts: number; json: string }>("SELECT valid_until_ts, json FROM key_responses")
    .toArray()
    .map((r) => ({ validUntilTs: r.valid_until_ts, json: JSON.parse(r.json) as JsonObject }));
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
