import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString } from "../http.js";
import { badJson, missingParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import type { KeyBackupData, RoomKeysUpload } from "../../platform/rpc/user.js";

// Spec: key_backup.yaml — backup versions and the backed-up room keys at three levels
// (all rooms, one room, one session). The session data is opaque to the server.

function reqObject(body: JsonObject, key: string): JsonObject {
  const v = body[key];
  if (v === undefined || v === null) throw missingParam(`'${key}' is required`);
  if (!isJsonObject(v)) throw badJson(`'${key}' must be an object`);
  return v;
}

function versionParam(ctx: Ctx): string {
  const v = ctx.url.searchParams.get("version");
  if (!v) throw missingParam("'version' query parameter is required");
  return v;
}

function keyData(v: JsonValue, where: string): KeyBackupData {
  if (!isJsonObject(v)) throw badJson(`${where} must be an object`);
  const { first_message_index: fmi, forwarded_count: fc, is_verified: iv, session_data: sd } = v;
  if (typeof fmi !== "number" || !Number.isInteger(fmi) || fmi < 0) throw badJson(`${where}.first_message_index must be a non-negative integer`);
  if (typeof fc !== "number" || !Number.isInteger(fc) || fc < 0) throw badJson(`${where}.forwarded_count must be a non-negative integer`);
  if (typeof iv !== "boolean") throw badJson(`${where}.is_verified must be a boolean`);
  if (!isJsonObject(sd)) throw badJson(`${where}.session_data must be an object`);
  return { first_message_index: fmi, forwarded_count: fc, is_verified: iv, session_data: sd };
}

function sessionsOf(v: JsonValue, where: string): Record<string, KeyBackupData> {
  if (!isJsonObject(v) || !isJsonObject(v.sessions)) throw badJson(`${where}.sessions must be an object`);
  const out: Record<string, KeyBackupData> = {};
  for (const [sessionId, data] of Object.entries(v.sessions)) out[sessionId] = keyData(data, `${where}.sessions.${sessionId}`);
  return out;
}

async function createVersion(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const algorithm = optString(body, "algorithm");
  if (!algorithm) throw missingParam("'algorithm' is required");
  const authData = reqObject(body, "auth_data");
  return json({ version: await userStub(ctx.env, s.userId).createKeyBackupVersion(algorithm, authData) });
}

async function getCurrentVersion(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  return json(await userStub(ctx.env, s.userId).getKeyBackupVersion());
}

async function getVersion(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  return json(await userStub(ctx.env, s.userId).getKeyBackupVersion(param(req, "version")));
}

async function updateVersion(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const algorithm = optString(body, "algorithm");
  if (!algorithm) throw missingParam("'algorithm' is required");
  const authData = reqObject(body, "auth_data");
  await userStub(ctx.env, s.userId).updateKeyBackupVersion(param(req, "version"), algorithm, authData, optString(body, "version"));
  return json({});
}

async function deleteVersion(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  await userStub(ctx.env, s.userId).deleteKeyBackupVersion(param(req, "version"));
  return json({});
}

async function putKeys(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const version = versionParam(ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const roomId = req.params.roomId !== undefined ? param(req, "roomId") : undefined;
  const sessionId = req.params.sessionId !== undefined ? param(req, "sessionId") : undefined;
  const upload: RoomKeysUpload = {};
  if (roomId !== undefined && sessionId !== undefined) upload[roomId] = { [sessionId]: keyData(body, "body") };
  else if (roomId !== undefined) upload[roomId] = sessionsOf(body, "body");
  else {
    const rooms = reqObject(body, "rooms");
    for (const [r, v] of Object.entries(rooms)) upload[r] = sessionsOf(v, `rooms.${r}`);
  }
  return json(await userStub(ctx.env, s.userId).putRoomKeys(version, upload));
}

async function getKeys(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const version = versionParam(ctx);
  const roomId = req.params.roomId !== undefined ? param(req, "roomId") : undefined;
  const sessionId = req.params.sessionId !== undefined ? param(req, "sessionId") : undefined;
  return json(await userStub(ctx.env, s.userId).getRoomKeys(version, roomId, sessionId));
}

async function deleteKeys(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const version = versionParam(ctx);
  const roomId = req.params.roomId !== undefined ? param(req, "roomId") : undefined;
  const sessionId = req.params.sessionId !== undefined ? param(req, "sessionId") : undefined;
  return json(await userStub(ctx.env, s.userId).deleteRoomKeys(version, roomId, sessionId));
}

export function registerKeyBackupRoutes(): void {
  clientRoute("POST", "/room_keys/version", createVersion);
  clientRoute("GET", "/room_keys/version", getCurrentVersion);
  clientRoute("GET", "/room_keys/version/:version", getVersion);
  clientRoute("PUT", "/room_keys/version/:version", updateVersion);
  clientRoute("DELETE", "/room_keys/version/:version", deleteVersion);
  for (const path of ["/room_keys/keys", "/room_keys/keys/:roomId", "/room_keys/keys/:roomId/:sessionId"]) {
    clientRoute("PUT", path, putKeys);
    clientRoute("GET", path, getKeys);
    clientRoute("DELETE", path, deleteKeys);
  }
}
