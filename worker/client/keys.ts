import type { Errcode } from "../../protocol/errcodes.js";
import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, readJsonObject, optObject } from "../http.js";
import { MatrixError, badJson, badRequest, missingParam, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { verifyPasswordUia } from "./uiaPassword.js";
import { verifyOAuthUia } from "./uiaOAuth.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { isFromServer, isValidUserId } from "../../protocol/identifiers.js";
import {
  checkDeviceKeys,
  checkOneTimeKey,
  isSignedBy,
  parseCrossSigningKey,
  sameJson,
  withoutSignatures,
  type CrossSigningUsage,
} from "../../protocol/e2eeKeys.js";
import type { StoredSignature } from "../../platform/rpc/user.js";
import { byServer, claimRemoteKeys, keysTimeout, queryRemoteKeys } from "./remoteKeys.js";

// Spec: keys.yaml (upload, query, claim, changes) and cross_signing.yaml (device_signing/upload,
// signatures/upload). Shapes and signatures are checked here; the user's UserDO stores them.
// Remote users' keys are asked of their servers (remoteKeys.ts).

const isLocal = (ctx: Ctx, userId: string) => isFromServer(userId, ctx.config.serverName);

function keyMap(body: JsonObject, key: string): Record<string, JsonValue> | undefined {
  return optObject(body, key);
}

async function upload(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true }); // guests may upload, query and claim keys (guest access module)
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  // An application service acting without ?device_id= has no device to hold the keys (as Synapse).
  if (!s.deviceId) throw badRequest("To upload keys, you must pass device_id when authenticating");
  const stub = userStub(ctx.env, s.userId);
  let deviceKeys: JsonObject | undefined;
  if (body.device_keys !== undefined && body.device_keys !== null) {
    // Synapse answers a malformed or mismatched device_keys with 400 M_BAD_JSON.
    const err = checkDeviceKeys(body.device_keys, s.userId, s.deviceId);
    if (err) throw badJson(err);
    deviceKeys = body.device_keys as JsonObject;
  }
  const oneTimeKeys = keyMap(body, "one_time_keys");
  const fallbackKeys = keyMap(body, "fallback_keys") ?? keyMap(body, "org.matrix.msc2732.fallback_keys");
  for (const map of [oneTimeKeys, fallbackKeys]) {
    for (const [keyId, value] of Object.entries(map ?? {})) {
      const err = checkOneTimeKey(keyId, value);
      if (err) throw invalidParam(err);
    }
  }
  const counts = await stub.uploadKeys(s.deviceId, { deviceKeys, oneTimeKeys, fallbackKeys });
  return json({ one_time_key_counts: counts });
}

async function query(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const wanted = optObject(body, "device_keys");
  if (!wanted) throw missingParam("'device_keys' is required");
  const out = {
    device_keys: {} as Record<string, JsonObject>,
    master_keys: {} as Record<string, JsonObject>,
    self_signing_keys: {} as Record<string, JsonObject>,
    user_signing_keys: {} as Record<string, JsonObject>,
    failures: {} as Record<string, JsonObject>,
  };
  const remote: [string, string[]][] = [];
  await Promise.all(
    Object.entries(wanted).map(async ([userId, devices]) => {
      if (!Array.isArray(devices) || !devices.every((d) => typeof d === "string")) throw badJson(`device_keys.${userId} must be an array of device IDs`);
      if (!isValidUserId(userId)) return;
      if (!isLocal(ctx, userId)) {
        remote.push([userId, devices as string[]]);
        return;
      }
      const keys = await userStub(ctx.env, userId).queryKeys(s.userId, devices as string[]);
      if (!keys) return;
      out.device_keys[userId] = keys.device_keys;
      if (keys.master_key) out.master_keys[userId] = keys.master_key;
      if (keys.self_signing_key) out.self_signing_keys[userId] = keys.self_signing_key;
      if (keys.user_signing_key) out.user_signing_keys[userId] = keys.user_signing_key;
    }),
  );
  await queryRemoteKeys(ctx.env, byServer(remote), keysTimeout(body), out);
  return json(out);
}

async function claim(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const wanted = optObject(body, "one_time_keys");
  if (!wanted) throw missingParam("'one_time_keys' is required");
  const perUser: [string, Record<string, string>][] = [];
  for (const [userId, devices] of Object.entries(wanted)) {
    if (!isJsonObject(devices) || !Object.values(devices).every((a) => typeof a === "string")) throw badJson(`one_time_keys.${userId} must map device IDs to algorithms`);
    perUser.push([userId, devices as Record<string, string>]);
  }
  const out: Record<string, Record<string, Record<string, JsonValue>>> = {};
  const failures: Record<string, JsonObject> = {};
  const remote: [string, Record<string, string>][] = [];
  await Promise.all(
    perUser.map(async ([userId, devices]) => {
      if (!isValidUserId(userId)) return;
      if (!isLocal(ctx, userId)) {
        remote.push([userId, devices]);
        return;
      }
      const keys = await userStub(ctx.env, userId).claimKeys(devices);
      if (Object.keys(keys).length > 0) out[userId] = keys;
    }),
  );
  await claimRemoteKeys(ctx.env, byServer(remote), keysTimeout(body), out, failures);
  return json({ one_time_keys: out, failures });
}

async function changes(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const from = ctx.url.searchParams.get("from");
  const to = ctx.url.searchParams.get("to");
  if (!from || !to) throw missingParam("'from' and 'to' are required");
  return json(await userStub(ctx.env, s.userId).keyChanges(from, to));
}

const USAGES: [string, CrossSigningUsage][] = [
  ["master_key", "master"],
  ["self_signing_key", "self_signing"],
  ["user_signing_key", "user_signing"],
];

async function deviceSigningUpload(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const stub = userStub(ctx.env, s.userId);
  const existing = await stub.getCrossSigningKeys();
  const provided: Partial<Record<CrossSigningUsage, JsonObject>> = {};
  for (const [field, usage] of USAGES) {
    const v = body[field];
    if (v !== undefined && v !== null) {
      if (!isJsonObject(v)) throw badJson(`'${field}' must be an object`);
      provided[usage] = v;
    }
  }
  // Spec: UIA unless there is no master key yet, or the request only repeats the stored keys.
  const repeatsStored = existing.master !== undefined && Object.entries(provided).every(([u, k]) => sameJson(existing[u as CrossSigningUsage], k));
  // Checked before the UIA stage but reported after it (a first attempt still gets its 401, as
  // in Synapse), so that an m.oauth approval is spent only on an upload that will be stored.
  const problem = repeatsStored ? undefined : await uploadProblem(provided, existing, s.userId);
  // Application services replace their users' keys without UIA (spec v1.17 "Cross-signing", MSC4190).
  if (existing.master !== undefined && !repeatsStored && !s.appservice) {
    // A device signed in through the OAuth 2.0 API has no password to give: its user approves
    // the reset on the account page instead (spec: m.oauth). Password logins keep the password,
    // and so does every device while OAUTH is off, since there is no account page to approve on.
    const challenge = s.oauth && ctx.config.oauth ? await verifyOAuthUia(ctx, s.userId, body, problem) : await verifyPasswordUia(ctx, s.userId, body);
    if (challenge) return challenge;
  }
  if (repeatsStored) return json({});
  if (problem) throw problem;
  await stub.uploadCrossSigningKeys(provided);
  return json({});
}

/** Why the upload cannot be stored, or undefined when it can. Changes nothing. */
async function uploadProblem(
  provided: Partial<Record<CrossSigningUsage, JsonObject>>,
  existing: Partial<Record<CrossSigningUsage, JsonObject>>,
  userId: string,
): Promise<MatrixError | undefined> {
  const master = provided.master ?? existing.master;
  if (!master) return invalidParam("A master key is required");
  const parsedMaster = parseCrossSigningKey(master, userId, "master");
  if (typeof parsedMaster === "string") return invalidParam(parsedMaster);
  for (const usage of ["self_signing", "user_signing"] as const) {
    const key = provided[usage];
    if (!key) continue;
    const parsed = parseCrossSigningKey(key, userId, usage);
    if (typeof parsed === "string") return invalidParam(parsed);
    if (!(await isSignedBy(key, userId, parsedMaster.keyId, parsedMaster.publicKey))) {
      return new MatrixError(400, "M_INVALID_SIGNATURE", `${usage} key is not signed by the master key`);
    }
  }
  // A new master key invalidates sub-keys signed by the old one unless they are replaced too.
  if (provided.master && existing.master && !sameJson(provided.master, existing.master)) {
    for (const usage of ["self_signing", "user_signing"] as const) {
      if (!provided[usage] && existing[usage]) return invalidParam(`A new master key needs a new ${usage} key`);
    }
  }
  return undefined;
}

/** The ed25519 public keys this user signs with: devices' keys and cross-signing keys, by key ID. */
async function signingKeysOf(ctx: Ctx, userId: string): Promise<{ byKeyId: Map<string, string>; cross: Partial<Record<CrossSigningUsage, JsonObject>> }> {
  const stub = userStub(ctx.env, userId);
  const [own, cross] = await Promise.all([stub.queryKeys(userId, []), stub.getCrossSigningKeys()]);
  const byKeyId = new Map<string, string>();
  for (const [deviceId, dk] of Object.entries(own?.device_keys ?? {})) {
    const k = isJsonObject(dk.keys) ? dk.keys[`ed25519:${deviceId}`] : undefined;
    if (typeof k === "string") byKeyId.set(`ed25519:${deviceId}`, k);
  }
  for (const key of Object.values(cross)) {
    for (const [keyId, pub] of Object.entries(isJsonObject(key.keys) ? key.keys : {})) if (typeof pub === "string") byKeyId.set(keyId, pub);
  }
  return { byKeyId, cross };
}

async function signaturesUpload(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const failures: Record<string, Record<string, JsonObject>> = {};
  const fail = (userId: string, keyId: string, errcode: Errcode, error: string) => ((failures[userId] ??= {})[keyId] = { errcode, error });
  const mine = await signingKeysOf(ctx, s.userId);

  for (const [userId, byKey] of Object.entries(body)) {
    if (!isJsonObject(byKey)) {
      fail(userId, "", "M_BAD_JSON", "Expected a map of key IDs to signed keys");
      continue;
    }
    if (!isValidUserId(userId) || !isLocal(ctx, userId)) {
      for (const keyId of Object.keys(byKey)) fail(userId, keyId, "M_NOT_FOUND", "Unknown user");
      continue;
    }
    const target = userId === s.userId ? mine : await signingKeysOf(ctx, userId);
    const toStore: StoredSignature[] = [];
    for (const [keyId, signed] of Object.entries(byKey)) {
      if (!isJsonObject(signed)) {
        fail(userId, keyId, "M_BAD_JSON", "Expected a signed key object");
        continue;
      }
      // What is being signed: one of the target user's devices, or their master key (by public
      // key); another user's key may only be their master key.
      let stored: JsonObject | undefined;
      const masterPub = target.cross.master ? Object.values(isJsonObject(target.cross.master.keys) ? target.cross.master.keys : {})[0] : undefined;
      if (keyId === masterPub) stored = target.cross.master;
      else if (userId === s.userId) stored = (await userStub(ctx.env, userId).getDeviceKeys(keyId)) ?? undefined;
      else stored = undefined;
      if (!stored) {
        fail(userId, keyId, "M_NOT_FOUND", "Unknown key");
        continue;
      }
      if (!sameJson(withoutSignatures(signed), withoutSignatures(stored))) {
        fail(userId, keyId, "M_INVALID_SIGNATURE", "Signed object does not match the stored key");
        continue;
      }
      const sigs = isJsonObject(signed.signatures) ? signed.signatures[s.userId] : undefined;
      const storedSigs = isJsonObject(stored.signatures) && isJsonObject(stored.signatures[s.userId]) ? stored.signatures[s.userId] : {};
      const fresh: StoredSignature[] = [];
      let bad = false;
      for (const [signerKeyId, sig] of Object.entries(isJsonObject(sigs) ? sigs : {})) {
        if (isJsonObject(storedSigs) && storedSigs[signerKeyId] === sig) continue;
        const pub = mine.byKeyId.get(signerKeyId);
        // Another user's master key may only be signed with our user-signing key.
        const usk = mine.cross.user_signing ? Object.keys(isJsonObject(mine.cross.user_signing.keys) ? mine.cross.user_signing.keys : {})[0] : undefined;
        if (userId !== s.userId && signerKeyId !== usk) {
          bad = true;
          continue;
        }
        if (typeof sig !== "string" || !pub || !(await isSignedBy(signed, s.userId, signerKeyId, pub))) {
          bad = true;
          continue;
        }
        fresh.push({ target: keyId, signerUserId: s.userId, signerKeyId, signature: sig });
      }
      if (bad) {
        fail(userId, keyId, "M_INVALID_SIGNATURE", "Invalid signature");
        continue;
      }
      toStore.push(...fresh);
    }
    if (toStore.length > 0) {
      await userStub(ctx.env, userId).addKeySignatures(toStore, userId === s.userId);
      // Our own devices learn about the signature we made on someone else's key.
      if (userId !== s.userId) await userStub(ctx.env, s.userId).notifyDeviceListChanged(userId);
    }
  }
  return json({ failures });
}

export function registerKeysRoutes(): void {
  clientRoute("POST", "/keys/upload", upload);
  clientRoute("POST", "/keys/query", query);
  clientRoute("POST", "/keys/claim", claim);
  clientRoute("GET", "/keys/changes", changes);
  clientRoute("POST", "/keys/device_signing/upload", deviceSigningUpload, ["v3", "unstable"]);
  clientRoute("POST", "/keys/signatures/upload", signaturesUpload, ["v3", "unstable"]);
}
