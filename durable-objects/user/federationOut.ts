/**
 * What a user's object tells other servers (spec: server-server-api "Device Management",
 * "End-to-End Encryption" and "Presence"): m.device_list_update, m.signing_key_update and
 * m.presence EDUs, queued to every remote server that shares a room with the user. The servers
 * are read from the user's copy of its joined rooms' member state (RoomViewStore.usersInJoinedRooms).
 */
import type { Env } from "../../platform/env.js";
import type { JsonObject } from "../../protocol/json.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import { remoteStub } from "../../platform/stubs.js";
import type { RoomViewStore } from "./roomViewStore.js";
import type { EncryptionKeyStore } from "./encryptionKeyStore.js";
import type { AccountStore } from "./accountStore.js";

/** The servers, other than ours, of everyone joined to a room this user is joined to. */
export function remoteServersSharing(rooms: RoomViewStore, ownServer: string): string[] {
  const out = new Set<string>();
  for (const u of rooms.usersInJoinedRooms()) {
    const s = serverNameOf(u);
    if (s && s !== ownServer) out.add(s);
  }
  return [...out];
}

/**
 * One m.device_list_update per changed device. `streamPos` is the position of the user's own
 * device_list row for this change, so stream IDs grow with the user's stream and never repeat;
 * the EDUs of one change are chained with prev_id.
 */
export function deviceListEdus(accounts: AccountStore, keyStore: EncryptionKeyStore, userId: string, streamPos: number, deviceIds: string[]): JsonObject[] {
  const names = new Map(accounts.listDevices().map((d) => [d.device_id, d.display_name]));
  return deviceIds.map((deviceId, i) => {
    const streamId = streamPos * 1000 + i;
    const content: JsonObject = { user_id: userId, device_id: deviceId, stream_id: streamId, prev_id: i > 0 ? [streamId - 1] : [] };
    if (!names.has(deviceId)) content.deleted = true;
    else {
      const name = names.get(deviceId);
      if (name) content.device_display_name = name;
      const keys = keyStore.deviceKeys(deviceId);
      if (keys) content.keys = keys;
    }
    return { edu_type: "m.device_list_update", content };
  });
}

/** m.signing_key_update with the user's public cross-signing keys (never the user-signing key). */
export function signingKeyEdu(keyStore: EncryptionKeyStore, userId: string): JsonObject {
  const keys = keyStore.crossSigningKeys();
  const content: JsonObject = { user_id: userId };
  if (keys.master) content.master_key = keys.master;
  if (keys.self_signing) content.self_signing_key = keys.self_signing;
  return { edu_type: "m.signing_key_update", content };
}

/** m.presence for one user, from the presence object the Client-Server API returns. */
export function presenceEdu(userId: string, presence: JsonObject): JsonObject {
  const push: JsonObject = {
    user_id: userId,
    presence: presence.presence ?? "offline",
    last_active_ago: presence.last_active_ago ?? 0,
    currently_active: presence.currently_active === true,
  };
  if (typeof presence.status_msg === "string") push.status_msg = presence.status_msg;
  return { edu_type: "m.presence", content: { push: [push] } };
}

/** Queues `edus` to each server; a server whose queue fails is logged, not fatal. */
export async function queueEdusTo(env: Env, servers: string[], edus: JsonObject[]): Promise<void> {
  if (edus.length === 0) return;
  await Promise.all(
    servers.map((s) =>
      remoteStub(env, s)
        .queueEdus(edus)
        .catch((e: unknown) => console.error(`queueing EDUs for ${s} failed`, e)),
    ),
  );
}
