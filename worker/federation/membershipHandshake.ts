import type { Ctx } from "../router.js";
import { MatrixError, forbidden, notFound, unsupportedRoomVersion } from "../../platform/errors.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";
import { ownSigningKey } from "../../federation-client/ownKey.js";
import { isUnknownEndpoint, unwrapV1Answer } from "../../federation-client/unknownEndpoint.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { ROOM_VERSIONS, getRoomVersion, type RoomVersion } from "../../protocol/roomVersions.js";
import { buildEvent } from "../../protocol/buildEvent.js";
import { toWireFormat } from "../../protocol/wireFormat.js";
import type { PDU } from "../../protocol/pdu.js";

/**
 * The two-step handshake by which a user of ours joins, leaves (rejects an invite) or knocks on a
 * room hosted elsewhere (spec: server-server "Joining Rooms", "Leaving Rooms", "Knocking upon a
 * room"): ask a resident server for a template (make_*), fill it in and sign it, send it back
 * (send_*). Each candidate server is tried in turn.
 */

export type RemoteMembership = "join" | "leave" | "knock";

export interface Handshake {
  server: string;
  version: RoomVersion;
  /** The membership event we built and signed. */
  pdu: PDU;
  /** The resident server's answer to send_*. */
  response: JsonObject;
}

const SEND_API: Record<RemoteMembership, string> = { join: "v2/send_join", leave: "v2/send_leave", knock: "v1/send_knock" };

function idsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((x) => (Array.isArray(x) ? x[0] : x)).filter((x): x is string => typeof x === "string");
}

/** The room versions we can take part in for this membership (make_join/make_knock `ver`). */
function versionsQuery(membership: RemoteMembership): string {
  if (membership === "leave") return "";
  const versions = [...ROOM_VERSIONS.values()].filter((v) => membership !== "knock" || v.knock);
  return `?${versions.map((v) => `ver=${encodeURIComponent(v.id)}`).join("&")}`;
}

/**
 * PUT send_join / send_leave / send_knock. A server without the v2 send_join or send_leave (they
 * came in 2019; v1 is deprecated but Synapse still serves it) is asked again through v1, whose
 * answer is wrapped as `[200, body]`.
 */
async function sendMembershipEvent(ctx: Ctx, server: string, membership: RemoteMembership, ids: string, event: JsonObject): Promise<JsonObject> {
  try {
    return await federationRequest<JsonObject>(ctx.env, server, "PUT", `/_matrix/federation/${SEND_API[membership]}/${ids}`, event);
  } catch (e) {
    if (membership === "knock" || !isUnknownEndpoint(e)) throw e;
  }
  const answer = unwrapV1Answer(await federationRequest<unknown>(ctx.env, server, "PUT", `/_matrix/federation/v1/send_${membership}/${ids}`, event));
  if (!isJsonObject(answer)) throw new FederationError(502, `${server} answered v1 send_${membership} with something other than [200, {...}]`, undefined, undefined, true);
  return answer;
}

export async function membershipHandshake(ctx: Ctx, userId: string, roomId: string, servers: string[], membership: RemoteMembership, content: JsonObject): Promise<Handshake> {
  const { serverName, key } = await ownSigningKey(ctx.env);
  const candidates = [...new Set(servers)].filter((s) => s && s !== serverName);
  if (candidates.length === 0) throw notFound(`No known servers to ${membership} this room through`);
  const enc = encodeURIComponent;
  let lastError: unknown;
  for (const server of candidates) {
    try {
      const tmpl = await federationRequest<{ room_version?: unknown; event?: unknown }>(
        ctx.env,
        server,
        "GET",
        `/_matrix/federation/v1/make_${membership}/${enc(roomId)}/${enc(userId)}${versionsQuery(membership)}`,
      );
      const version = getRoomVersion(typeof tmpl.room_version === "string" ? tmpl.room_version : "1");
      if (!version || (membership === "knock" && !version.knock) || !isJsonObject(tmpl.event)) {
        throw unsupportedRoomVersion(`The room's version does not support this ${membership}`);
      }
      const t = tmpl.event;
      // Room versions 1–2 name prev/auth events with their reference hashes: keep the template's.
      const refs = new Map<string, string>();
      for (const x of [...(Array.isArray(t.prev_events) ? t.prev_events : []), ...(Array.isArray(t.auth_events) ? t.auth_events : [])]) {
        if (Array.isArray(x) && typeof x[0] === "string" && isJsonObject(x[1]) && typeof x[1].sha256 === "string") refs.set(x[0], x[1].sha256);
      }
      const pdu = await buildEvent(
        {
          room_id: roomId,
          sender: userId,
          type: "m.room.member",
          state_key: userId,
          // The template's content matters (e.g. join_authorised_via_users_server for restricted rooms).
          content: { ...(isJsonObject(t.content) ? t.content : {}), ...content, membership },
          prev_events: idsOf(t.prev_events),
          auth_events: idsOf(t.auth_events),
          depth: typeof t.depth === "number" ? t.depth : 1,
          origin_server_ts: Date.now(),
        },
        version,
        serverName,
        key,
        { referenceHashes: (id) => refs.get(id) },
      );
      const response = await sendMembershipEvent(ctx, server, membership, `${enc(roomId)}/${enc(pdu.event_id)}`, toWireFormat(pdu, version));
      return { server, version, pdu, response };
    } catch (e) {
      lastError = e;
      if (e instanceof MatrixError && e.errcode === "M_UNSUPPORTED_ROOM_VERSION") throw e;
    }
  }
  if (lastError instanceof FederationError && lastError.status === 403) throw forbidden(lastError.message);
  if (lastError instanceof FederationError && lastError.errcode === "M_INCOMPATIBLE_ROOM_VERSION") {
    throw unsupportedRoomVersion(`The room's version does not support this ${membership}`);
  }
  if (lastError instanceof MatrixError) throw lastError;
  throw notFound(`Could not ${membership} through ${candidates.join(", ")}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
