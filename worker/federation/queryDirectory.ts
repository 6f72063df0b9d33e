/**
 * An alias on another server → its room ID and the servers that may be in the room, asked of the
 * alias's own server (spec: server-server-api "Querying for information", query.yaml
 * GET /_matrix/federation/v1/query/directory). Used by the client directory lookup and by joining
 * by alias, so both answer the same way.
 */
import type { Env } from "../../platform/env.js";
import { notFound, remoteFailed } from "../../platform/errors.js";
import { serverNameOf, isValidRoomId, isValidServerName } from "../../protocol/identifiers.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";

export interface AliasAssociation {
  room_id: string;
  servers: string[];
}

/**
 * Asks the alias's server. Its 404 is our 404 M_NOT_FOUND; anything else that goes wrong (the
 * server unreachable, another error, a reply without room_id) is 502, as Synapse answers: the
 * alias may well exist, we just could not learn where it points.
 */
export async function queryRemoteAlias(env: Env, alias: string): Promise<AliasAssociation> {
  const aliasServer = serverNameOf(alias);
  let res: { room_id?: unknown; servers?: unknown };
  try {
    res = await federationRequest<{ room_id?: unknown; servers?: unknown }>(
      env,
      aliasServer,
      "GET",
      `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`,
      undefined,
      { timeoutMs: 15_000 },
    );
  } catch (e) {
    if (e instanceof FederationError && !e.network && e.status === 404) throw notFound(`Room alias ${alias} not found`);
    throw remoteFailed(`Failed to fetch alias ${alias} from ${aliasServer}`);
  }
  // The answer names a Durable Object and the servers we then ask to join through: only
  // well-formed identifiers are taken from it.
  if (typeof res.room_id !== "string" || !isValidRoomId(res.room_id)) throw remoteFailed(`${aliasServer} answered without a valid room_id for ${alias}`);
  const servers = Array.isArray(res.servers) ? res.servers.filter((x): x is string => typeof x === "string" && isValidServerName(x)) : [];
  // The alias's server is in the room as far as it knows; list it even if it forgot to.
  if (!servers.includes(aliasServer)) servers.push(aliasServer);
  return { room_id: res.room_id, servers };
}
