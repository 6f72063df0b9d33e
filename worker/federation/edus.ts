/**
 * EDUs of an inbound transaction (spec: server-server-api "Transactions" and the sections of each
 * EDU). Typing and receipts go to their room; to-device messages to the local recipients; device
 * list, signing key and presence updates to the local users who share a room with the remote
 * user. Every EDU must speak for the origin's own users only; anything else is ignored.
 */
import type { Env } from "../../platform/env.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidUserId, serverNameOf } from "../../protocol/identifiers.js";

export async function handleEdus(env: Env, ownServer: string, origin: string, edus: JsonObject[]): Promise<void> {
  for (const edu of edus) {
    const content = isJsonObject(edu.content) ? edu.content : undefined;
    if (!content) continue;
    try {
      switch (edu.edu_type) {
        case "m.typing":
          await typing(env, origin, content);
          break;
        case "m.receipt":
          await receipts(env, origin, content);
          break;
        case "m.direct_to_device":
          await directToDevice(env, ownServer, origin, content);
          break;
        case "m.device_list_update":
        case "m.signing_key_update":
          if (typeof content.user_id === "string" && isFrom(content.user_id, origin)) await deviceListChanged(env, content.user_id);
          break;
        case "m.presence":
          await presence(env, origin, content);
          break;
      }
    } catch (e) {
      console.error("EDU failed", edu.edu_type, e);
    }
  }
}

const isFrom = (userId: string, origin: string) => isValidUserId(userId, { historical: true }) && serverNameOf(userId) === origin;

async function typing(env: Env, origin: string, content: JsonObject): Promise<void> {
  if (typeof content.room_id !== "string" || typeof content.user_id !== "string" || !isFrom(content.user_id, origin)) return;
  const stub = roomStub(env, content.room_id);
  if (await stub.exists()) await stub.remoteTyping(content.user_id, content.typing === true);
}

async function receipts(env: Env, origin: string, content: JsonObject): Promise<void> {
  for (const [roomId, byType] of Object.entries(content)) {
    if (!isJsonObject(byType)) continue;
    const stub = roomStub(env, roomId);
    if (!(await stub.exists())) continue;
    await stub.remoteReceipts(origin, byType);
  }
}

/** m.direct_to_device: each local recipient's devices get the message from the origin's user. */
async function directToDevice(env: Env, ownServer: string, origin: string, content: JsonObject): Promise<void> {
  const { sender, type, messages } = content;
  if (typeof sender !== "string" || !isFrom(sender, origin) || typeof type !== "string" || !isJsonObject(messages)) return;
  await Promise.all(
    Object.entries(messages).map(async ([userId, byDevice]) => {
      if (!isValidUserId(userId, { historical: true }) || serverNameOf(userId) !== ownServer) return;
      if (!isJsonObject(byDevice)) return;
      const valid: Record<string, JsonObject> = {};
      for (const [deviceId, msg] of Object.entries(byDevice)) if (isJsonObject(msg)) valid[deviceId] = msg;
      await userStub(env, userId).receiveToDevice(sender, type, valid);
    }),
  );
}

/**
 * A remote user's devices or cross-signing keys changed. Nothing is cached here (keys/query
 * always asks their server), so the local users sharing a room with them only need to hear that
 * the list changed, through their sync's device_lists.changed.
 */
async function deviceListChanged(env: Env, userId: string): Promise<void> {
  const locals = await serverStub(env).localUsersInRooms();
  await Promise.all(locals.map((u) => userStub(env, u).remoteDeviceListChanged(userId)));
}

/** m.presence: each update reaches the local users sharing a room with its user. */
async function presence(env: Env, origin: string, content: JsonObject): Promise<void> {
  if (!Array.isArray(content.push)) return;
  const updates = content.push.filter(isJsonObject).filter((p) => typeof p.user_id === "string" && isFrom(p.user_id, origin));
  if (updates.length === 0) return;
  const locals = await serverStub(env).localUsersInRooms();
  for (const p of updates) {
    const userId = p.user_id as string;
    const state = typeof p.presence === "string" && ["online", "offline", "unavailable"].includes(p.presence) ? p.presence : "offline";
    const eventContent: JsonObject = { user_id: userId, presence: state, currently_active: p.currently_active === true };
    if (typeof p.last_active_ago === "number") eventContent.last_active_ago = p.last_active_ago;
    if (typeof p.status_msg === "string") eventContent.status_msg = p.status_msg;
    const event: JsonObject = { type: "m.presence", sender: userId, content: eventContent };
    await Promise.all(locals.map((u) => userStub(env, u).receiveRemotePresence(event)));
  }
}
