import { signingKeyOf, type SerializedSigningKey } from "../platform/signingKey.js";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../schema/server.js";
import { MatrixError, notFound } from "../platform/errors.js";
import { encodeBase64 } from "../protocol/base64.js";
import { generateSigningKey } from "../protocol/signing.js";
import type { JsonObject } from "../protocol/json.js";
import type { PublicRoomSummary, ServerRpc } from "../platform/rpc/server.js";

/**
 * ServerDO (one per server): the signing key, room aliases, the public room directory and the
 * user directory index.
 */
export class ServerDO extends DurableObject<Env> implements ServerRpc {
  private sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(this.sql, SERVER_MIGRATIONS));
  }

  // ---- signing key ----------------------------------------------------------------------

  /** The server's current signing key: from the SIGNING_KEY secret, else generated once and kept. */
  async signingKey(): Promise<SerializedSigningKey> {
    if (this.env.SIGNING_KEY) {
      const [keyId, seed] = this.env.SIGNING_KEY.trim().split(/\s+/);
      if (keyId && seed) return { keyId, seed };
    }
    const row = this.sql
      .exec<{ key_id: string; seed: string }>("SELECT key_id, seed FROM signing_keys WHERE expired_ts IS NULL ORDER BY created_ts DESC LIMIT 1")
      .toArray()[0];
    if (row) return { keyId: row.key_id, seed: row.seed };
    const key = generateSigningKey();
    this.sql.exec("INSERT INTO signing_keys (key_id, seed, created_ts) VALUES (?, ?, ?)", key.keyId, encodeBase64(key.seed), Date.now());
    return { keyId: key.keyId, seed: encodeBase64(key.seed) };
  }

  /** Keys this server signed with before (spec: old_verify_keys): public key and when it expired. */
  async oldVerifyKeys(): Promise<{ keyId: string; publicKey: string; expiredTs: number }[]> {
    const current = await this.signingKey();
    return this.sql
      .exec<{ key_id: string; seed: string; expired_ts: number }>("SELECT key_id, seed, expired_ts FROM signing_keys WHERE expired_ts IS NOT NULL")
      .toArray()
      .filter((r) => r.key_id !== current.keyId)
      .map((r) => ({ keyId: r.key_id, publicKey: encodeBase64(signingKeyOf({ keyId: r.key_id, seed: r.seed }).publicKey), expiredTs: r.expired_ts }));
  }

  // ---- shared-secret registration nonces -------------------------------------------------

  async issueNonce(nonce: string): Promise<void> {
    this.sql.exec("DELETE FROM registration_nonces WHERE created_ts < ?", Date.now() - 60_000);
    this.sql.exec("INSERT INTO registration_nonces (nonce, created_ts) VALUES (?, ?)", nonce, Date.now());
  }

  /** True once per nonce issued in the last minute. */
  async consumeNonce(nonce: string): Promise<boolean> {
    const row = this.sql.exec("DELETE FROM registration_nonces WHERE nonce = ? AND created_ts >= ? RETURNING nonce", nonce, Date.now() - 60_000).toArray();
    return row.length > 0;
  }

  // ---- OpenID tokens -----------------------------------------------------------------------

  /** Keeps the hash of a new OpenID token of `userId` until `expiresTs`; expired ones go on the way. */
  async issueOpenIdToken(tokenHash: string, userId: string, expiresTs: number): Promise<void> {
    this.sql.exec("DELETE FROM openid_tokens WHERE expires_ts < ?", Date.now());
    this.sql.exec("INSERT INTO openid_tokens (token_hash, user_id, expires_ts) VALUES (?, ?, ?)", tokenHash, userId, expiresTs);
  }

  /** The user an unexpired OpenID token belongs to, or null. */
  async openIdUser(tokenHash: string): Promise<string | null> {
    const row = this.sql.exec<{ user_id: string }>("SELECT user_id FROM openid_tokens WHERE token_hash = ? AND expires_ts >= ?", tokenHash, Date.now()).toArray()[0];
    return row ? row.user_id : null;
  }

  // ---- event → room index ----------------------------------------------------------------

  async indexEvents(roomId: string, eventIds: string[]): Promise<void> {
    for (const id of eventIds) this.sql.exec("INSERT OR IGNORE INTO event_rooms (event_id, room_id) VALUES (?, ?)", id, roomId);
  }

  async roomOfEvent(eventId: string): Promise<string | null> {
    const row = this.sql.exec<{ room_id: string }>("SELECT room_id FROM event_rooms WHERE event_id = ?", eventId).toArray()[0];
    return row ? row.room_id : null;
  }

  // ---- aliases --------------------------------------------------------------------------

  async createAlias(alias: string, roomId: string, creator: string): Promise<void> {
    const exists = this.sql.exec("SELECT 1 FROM room_aliases WHERE alias = ?", alias).toArray().length > 0;
    if (exists) throw new MatrixError(409, "M_UNKNOWN", `Room alias ${alias} already exists`);
    this.sql.exec("INSERT INTO room_aliases (alias, room_id, creator, created_ts) VALUES (?, ?, ?, ?)", alias, roomId, creator, Date.now());
  }

  async aliasExists(alias: string): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM room_aliases WHERE alias = ?", alias).toArray().length > 0;
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const row = this.sql.exec<{ room_id: string }>("SELECT room_id FROM room_aliases WHERE alias = ?", alias).toArray()[0];
    return row ? row.room_id : null;
  }

  async aliasInfo(alias: string): Promise<{ room_id: string; creator: string } | null> {
    const row = this.sql.exec<{ room_id: string; creator: string }>("SELECT room_id, creator FROM room_aliases WHERE alias = ?", alias).toArray()[0];
    return row ?? null;
  }

  async deleteAlias(alias: string): Promise<string> {
    const row = this.sql.exec<{ room_id: string }>("DELETE FROM room_aliases WHERE alias = ? RETURNING room_id", alias).toArray()[0];
    if (!row) throw notFound(`Room alias ${alias} not found`);
    return row.room_id;
  }

  async aliasesOf(roomId: string): Promise<string[]> {
    return this.sql
      .exec<{ alias: string }>("SELECT alias FROM room_aliases WHERE room_id = ? ORDER BY alias", roomId)
      .toArray()
      .map((r) => r.alias);
  }

  // ---- public room directory --------------------------------------------------------------

  async setPublished(roomId: string, published: boolean, summary?: PublicRoomSummary): Promise<void> {
    if (!published) {
      this.sql.exec("DELETE FROM public_rooms WHERE room_id = ?", roomId);
      this.sql.exec("UPDATE user_rooms SET is_public = 0 WHERE room_id = ?", roomId);
      return;
    }
    const s = summary ?? { room_id: roomId, num_joined_members: 0, world_readable: false, guest_can_join: false };
    this.sql.exec(
      "INSERT INTO public_rooms (room_id, summary, joined_members) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET summary = excluded.summary, joined_members = excluded.joined_members",
      roomId,
      JSON.stringify(s),
      s.num_joined_members,
    );
    this.sql.exec("UPDATE user_rooms SET is_public = 1 WHERE room_id = ?", roomId);
  }

  async isPublished(roomId: string): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM public_rooms WHERE room_id = ?", roomId).toArray().length > 0;
  }

  /** Refreshes a published room's summary; a no-op for unpublished rooms. */
  async updatePublicSummary(summary: PublicRoomSummary): Promise<void> {
    this.sql.exec(
      "UPDATE public_rooms SET summary = ?, joined_members = ? WHERE room_id = ?",
      JSON.stringify(summary),
      summary.num_joined_members,
      summary.room_id,
    );
  }

  /** Rooms ordered by joined members (largest first), then room ID; `since` is an offset token. */
  async publicRooms(limit: number, since: string | undefined, filter: string | undefined): Promise<JsonObject> {
    const offset = since && /^\d+$/.test(since) ? Number(since) : 0;
    let rows = this.sql
      .exec<{ summary: string }>("SELECT summary FROM public_rooms ORDER BY joined_members DESC, room_id")
      .toArray()
      .map((r) => JSON.parse(r.summary) as PublicRoomSummary);
    if (filter) {
      const term = filter.toLowerCase();
      rows = rows.filter((r) =>
        [r.name, r.topic, r.canonical_alias].some((f) => typeof f === "string" && f.toLowerCase().includes(term)),
      );
    }
    const chunk = rows.slice(offset, offset + limit);
    const res: JsonObject = { chunk: chunk as unknown as JsonObject[], total_room_count_estimate: rows.length };
    if (offset + limit < rows.length) res.next_batch = String(offset + limit);
    if (offset > 0) res.prev_batch = String(Math.max(0, offset - limit));
    return res;
  }

  // ---- user directory -------------------------------------------------------------------

  async upsertUser(userId: string, displayname: string | null, avatarUrl: string | null): Promise<void> {
    this.sql.exec(
      "INSERT INTO users (user_id, displayname, avatar_url) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET displayname = excluded.displayname, avatar_url = excluded.avatar_url",
      userId,
      displayname,
      avatarUrl,
    );
  }

  async removeUser(userId: string): Promise<void> {
    this.sql.exec("DELETE FROM users WHERE user_id = ?", userId);
    this.sql.exec("DELETE FROM user_rooms WHERE user_id = ?", userId);
  }

  /** Local users joined to at least one room (candidates for a remote user's EDUs). */
  async localUsersInRooms(): Promise<string[]> {
    return this.sql.exec<{ user_id: string }>("SELECT DISTINCT user_id FROM user_rooms").toArray().map((r) => r.user_id);
  }

  /** Records room membership changes so the directory knows who shares a room with whom. */
  async setUserRoom(userId: string, roomId: string, joined: boolean): Promise<void> {
    if (joined) {
      const isPublic = (await this.isPublished(roomId)) ? 1 : 0;
      this.sql.exec(
        "INSERT INTO user_rooms (user_id, room_id, is_public) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET is_public = excluded.is_public",
        userId,
        roomId,
        isPublic,
      );
    } else {
      this.sql.exec("DELETE FROM user_rooms WHERE user_id = ? AND room_id = ?", userId, roomId);
    }
  }

  /**
   * Spec: POST /user_directory/search. Like Synapse's default, the results are users who share a
   * room with the searcher or are in a public room, matched on user ID or display name.
   */
  async searchUsers(searcher: string, term: string, limit: number): Promise<JsonObject> {
    const like = `%${term.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    const rows = this.sql
      .exec<{ user_id: string; displayname: string | null; avatar_url: string | null }>(
        `SELECT u.user_id, u.displayname, u.avatar_url FROM users u
         WHERE (lower(u.user_id) LIKE ? ESCAPE '\\' OR lower(coalesce(u.displayname, '')) LIKE ? ESCAPE '\\')
           AND (u.user_id = ?
             OR EXISTS (SELECT 1 FROM user_rooms ur WHERE ur.user_id = u.user_id AND ur.is_public = 1)
             OR EXISTS (SELECT 1 FROM user_rooms a JOIN user_rooms b ON a.room_id = b.room_id
                        WHERE a.user_id = u.user_id AND b.user_id = ?))
         ORDER BY u.user_id LIMIT ?`,
        like,
        like,
        searcher,
        searcher,
        limit + 1,
      )
      .toArray();
    const results = rows.slice(0, limit).map((r) => {
      const o: JsonObject = { user_id: r.user_id };
      if (r.displayname !== null) o.display_name = r.displayname;
      if (r.avatar_url !== null) o.avatar_url = r.avatar_url;
      return o;
    });
    return { results, limited: rows.length > limit };
  }
}
