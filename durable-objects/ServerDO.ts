import { signingKeyOf, type SerializedSigningKey } from "../platform/signingKey.js";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../schema/server.js";
import { MatrixError, notFound } from "../platform/errors.js";
import { encodeBase64 } from "../protocol/base64.js";
import { generateSigningKey } from "../protocol/signing.js";
import type { JsonObject } from "../protocol/json.js";
import type { ContentReport, DevicePoll, DirectoryMembership, EventReportQuery, LocalUserQuery, LocalUserRow, PublicRoomSummary, ServerRpc, StoredContentReport } from "../platform/rpc/server.js";
import { isFromServer } from "../protocol/identifiers.js";
import { SigningKeyStore } from "./server/signingKeyStore.js";
import { RegistrationNonceStore } from "./server/registrationNonceStore.js";
import { RegistrationSessionStore } from "./server/registrationSessionStore.js";
import { OpenIdTokenStore } from "./server/openIdTokenStore.js";
import { DeviceGrantStore } from "./server/deviceGrantStore.js";
import { PushkeyStore } from "./server/pushkeyStore.js";
import { ReportStore } from "./server/reportStore.js";
import { LocalUserStore } from "./server/localUserStore.js";
import { newUserCode } from "../protocol/oauth/userCode.js";
import { hashToken, randomString } from "../platform/tokens.js";
import { EventIndexStore } from "./server/eventIndexStore.js";
import { AliasStore } from "./server/aliasStore.js";
import { RoomDirectoryStore } from "./server/roomDirectoryStore.js";
import { UserDirectoryStore } from "./server/userDirectoryStore.js";
import { OAuthClientStore } from "./server/oauthClientStore.js";
import { OAuthKeyStore } from "./server/oauthKeyStore.js";
import { clientIdOf, validateClientMetadata, type ClientMetadata } from "../protocol/oauth/clientMetadata.js";
import { generateRs256Jwk, importRs256SigningKey, jwkThumbprint, publicJwkOf, signJwtRs256, type IdTokenClaims, type PublicRsaJwk, type Rs256SigningKey, type RsaJwk } from "../protocol/oauth/idToken.js";

/**
 * ServerDO (one per server): the signing key, room aliases, the public room directory, the
 * user directory index, the OAuth clients and id_token key, and users' content reports.
 */
export class ServerDO extends DurableObject<Env> implements ServerRpc {
  private signingKeys: SigningKeyStore;
  private nonces: RegistrationNonceStore;
  private registrations: RegistrationSessionStore;
  private openIdTokens: OpenIdTokenStore;
  private deviceGrants: DeviceGrantStore;
  private pushkeys: PushkeyStore;
  private eventIndex: EventIndexStore;
  private aliases: AliasStore;
  private roomDirectory: RoomDirectoryStore;
  private userDirectory: UserDirectoryStore;
  private oauthClients: OAuthClientStore;
  private oauthKeys: OAuthKeyStore;
  private reports: ReportStore;
  private localUsers: LocalUserStore;
  /**
   * The id_token key, read (or made) once and imported once: signing does neither again, and
   * concurrent first calls share one generation.
   */
  private oauthKey: Promise<{ jwk: RsaJwk; signing: Rs256SigningKey }> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.signingKeys = new SigningKeyStore(sql);
    this.nonces = new RegistrationNonceStore(sql);
    this.registrations = new RegistrationSessionStore(sql);
    this.openIdTokens = new OpenIdTokenStore(sql);
    this.deviceGrants = new DeviceGrantStore(sql);
    this.pushkeys = new PushkeyStore(sql);
    this.eventIndex = new EventIndexStore(sql);
    this.aliases = new AliasStore(sql);
    this.roomDirectory = new RoomDirectoryStore(sql);
    this.userDirectory = new UserDirectoryStore(sql);
    this.oauthClients = new OAuthClientStore(sql);
    this.oauthKeys = new OAuthKeyStore(sql);
    this.reports = new ReportStore(sql);
    this.localUsers = new LocalUserStore(sql);
    ctx.blockConcurrencyWhile(async () => migrate(sql, SERVER_MIGRATIONS));
  }

  // ---- signing key ----------------------------------------------------------------------

  /** The server's current signing key: from the SIGNING_KEY secret, else generated once and kept. */
  async signingKey(): Promise<SerializedSigningKey> {
    if (this.env.SIGNING_KEY) {
      const [keyId, seed] = this.env.SIGNING_KEY.trim().split(/\s+/);
      if (keyId && seed) return { keyId, seed };
    }
    const stored = this.signingKeys.currentKey();
    if (stored) return stored;
    const key = generateSigningKey();
    this.signingKeys.addKey({ keyId: key.keyId, seed: encodeBase64(key.seed) }, Date.now());
    return { keyId: key.keyId, seed: encodeBase64(key.seed) };
  }

  /** Keys this server signed with before (spec: old_verify_keys): public key and when it expired. */
  async oldVerifyKeys(): Promise<{ keyId: string; publicKey: string; expiredTs: number }[]> {
    const current = await this.signingKey();
    return this.signingKeys
      .expiredKeys()
      .filter((k) => k.keyId !== current.keyId)
      .map((k) => ({ keyId: k.keyId, publicKey: encodeBase64(signingKeyOf({ keyId: k.keyId, seed: k.seed }).publicKey), expiredTs: k.expiredTs }));
  }

  // ---- shared-secret registration nonces -------------------------------------------------

  async issueNonce(nonce: string): Promise<void> {
    this.nonces.issue(nonce, Date.now());
  }

  /** True once per nonce issued in the last minute. */
  async consumeNonce(nonce: string): Promise<boolean> {
    return this.nonces.consume(nonce, Date.now());
  }

  // ---- completed registrations by UIA session --------------------------------------------

  async recordRegistration(session: string, userId: string): Promise<void> {
    this.registrations.record(session, userId, Date.now());
  }

  async registeredBy(session: string): Promise<string | null> {
    return this.registrations.userOf(session, Date.now()) ?? null;
  }

  // ---- OpenID tokens -----------------------------------------------------------------------

  /** Keeps the hash of a new OpenID token of `userId` until `expiresTs`; expired ones go on the way. */
  async issueOpenIdToken(tokenHash: string, userId: string, expiresTs: number): Promise<void> {
    this.openIdTokens.issue(tokenHash, userId, expiresTs, Date.now());
  }

  /** The user an unexpired OpenID token belongs to, or null. */
  async openIdUser(tokenHash: string): Promise<string | null> {
    return this.openIdTokens.userOf(tokenHash, Date.now());
  }

  // ---- event → room index ----------------------------------------------------------------

  async indexEvents(roomId: string, eventIds: string[]): Promise<void> {
    this.eventIndex.index(roomId, eventIds);
  }

  async roomOfEvent(eventId: string): Promise<string | null> {
    return this.eventIndex.roomOf(eventId);
  }

  // ---- aliases --------------------------------------------------------------------------

  async createAlias(alias: string, roomId: string, creator: string): Promise<void> {
    if (!this.aliases.create(alias, roomId, creator, Date.now())) throw new MatrixError(409, "M_UNKNOWN", `Room alias ${alias} already exists`);
  }

  async aliasExists(alias: string): Promise<boolean> {
    return this.aliases.exists(alias);
  }

  async resolveAlias(alias: string): Promise<string | null> {
    return this.aliases.roomOf(alias);
  }

  async aliasInfo(alias: string): Promise<{ room_id: string; creator: string } | null> {
    return this.aliases.info(alias);
  }

  async deleteAlias(alias: string): Promise<string> {
    const roomId = this.aliases.delete(alias);
    if (roomId === undefined) throw notFound(`Room alias ${alias} not found`);
    return roomId;
  }

  async aliasesOf(roomId: string): Promise<string[]> {
    return this.aliases.aliasesOf(roomId);
  }

  // ---- public room directory --------------------------------------------------------------

  async setPublished(roomId: string, published: boolean, summary?: PublicRoomSummary): Promise<void> {
    if (!published) {
      this.roomDirectory.unpublish(roomId);
      return;
    }
    const s = summary ?? { room_id: roomId, num_joined_members: 0, world_readable: false, guest_can_join: false };
    this.roomDirectory.publish(roomId, s);
  }

  async isPublished(roomId: string): Promise<boolean> {
    return this.roomDirectory.isPublished(roomId);
  }

  /** Refreshes a published room's summary; a no-op for unpublished rooms. */
  async updatePublicSummary(summary: PublicRoomSummary): Promise<void> {
    this.roomDirectory.updateSummary(summary);
  }

  /** Rooms ordered by joined members (largest first), then room ID; `since` is an offset token. */
  async publicRooms(limit: number, since: string | undefined, filter: string | undefined): Promise<JsonObject> {
    const offset = since && /^\d+$/.test(since) ? Number(since) : 0;
    let rows = this.roomDirectory.summaries();
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

  // Registration, profile changes and reactivation call upsertUser, deactivation removeUser: the
  // admin API's list of local users (server/localUserStore.ts) follows them here.

  async upsertUser(userId: string, displayname: string | null, avatarUrl: string | null, isGuest = false): Promise<void> {
    this.userDirectory.upsertUser(userId, displayname, avatarUrl);
    this.localUsers.upsert(userId, displayname, avatarUrl, isGuest, Date.now());
  }

  async removeUser(userId: string): Promise<void> {
    this.userDirectory.removeUser(userId);
    this.localUsers.markDeactivated(userId);
  }

  async addLocalGuest(userId: string): Promise<void> {
    this.localUsers.addGuest(userId, userId.slice(1, userId.indexOf(":")), Date.now());
  }

  async setLocalUserProfile(userId: string, displayname: string | null, avatarUrl: string | null): Promise<void> {
    this.localUsers.setProfile(userId, displayname, avatarUrl);
  }

  async setLocalUserAdmin(userId: string, admin: boolean): Promise<void> {
    this.localUsers.setAdmin(userId, admin);
  }

  async listLocalUsers(query: LocalUserQuery): Promise<{ users: LocalUserRow[]; total: number }> {
    return this.localUsers.list(query, this.env.SERVER_NAME);
  }

  /** Local users joined to at least one room (candidates for a remote user's EDUs). */
  async localUsersInRooms(): Promise<string[]> {
    return this.userDirectory.usersInRooms().filter((u) => isFromServer(u, this.env.SERVER_NAME));
  }

  /** Records a room's membership changes and publicness (ServerRpc.updateUserDirectory). */
  async updateUserDirectory(roomId: string, isPublic: boolean, members: DirectoryMembership[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const m of members) {
        if (m.profile && !isFromServer(m.userId, this.env.SERVER_NAME)) this.userDirectory.upsertUser(m.userId, m.profile.displayname, m.profile.avatarUrl);
        if (m.joined) this.userDirectory.joinRoom(m.userId, roomId, isPublic);
        else this.userDirectory.leaveRoom(m.userId, roomId);
      }
      this.userDirectory.setRoomPublic(roomId, isPublic);
      // Once no local user is in the room, the server hears nothing more of its remote members.
      if (!this.userDirectory.hasMemberFrom(roomId, this.env.SERVER_NAME)) this.userDirectory.forgetRoom(roomId);
    });
  }

  /**
   * Spec: POST /user_directory/search. Like Synapse's default, the results are users who share a
   * room with the searcher or are in a public room, matched on user ID or display name.
   */
  async searchUsers(searcher: string, term: string, limit: number): Promise<JsonObject> {
    const rows = this.userDirectory.search(searcher, term, limit + 1);
    const results = rows.slice(0, limit).map((r) => {
      const o: JsonObject = { user_id: r.userId };
      if (r.displayname !== null) o.display_name = r.displayname;
      if (r.avatarUrl !== null) o.avatar_url = r.avatarUrl;
      return o;
    });
    return { results, limited: rows.length > limit };
  }

  // ---- OAuth 2.0 device authorization grants ---------------------------------------------

  async createDeviceGrant(clientId: string, scope: string, lifetimeMs: number): Promise<{ deviceCode: string; userCode: string }> {
    const now = Date.now();
    // A clash of user codes among the live grants is rare; draw again until there is none. The
    // device code is drawn again too: the store ignores a clash on either.
    for (;;) {
      const deviceCode = randomString(32);
      const userCode = newUserCode();
      if (this.deviceGrants.create(await hashToken(deviceCode), userCode, clientId, scope, now, now + lifetimeMs)) return { deviceCode, userCode };
    }
  }

  async pendingDeviceGrant(userCode: string): Promise<{ clientId: string; scope: string } | null> {
    return this.deviceGrants.pendingByUserCode(userCode, Date.now()) ?? null;
  }

  async decideDeviceGrant(userCode: string, userId: string | null): Promise<boolean> {
    return this.deviceGrants.decide(userCode, userId, Date.now());
  }

  async pollDeviceGrant(deviceCode: string, clientId: string, intervalMs: number): Promise<DevicePoll> {
    return this.deviceGrants.poll(await hashToken(deviceCode), clientId, Date.now(), intervalMs);
  }

  // ---- pushers: one (app_id, pushkey) per user unless appended (server/pushkeyStore.ts) ----

  async claimPushkey(appId: string, pushkey: string, userId: string, append: boolean): Promise<string[]> {
    return this.pushkeys.claim(appId, pushkey, userId, append);
  }

  async releasePushkey(appId: string, pushkey: string, userId: string): Promise<void> {
    this.pushkeys.release(appId, pushkey, userId);
  }

  // ---- OAuth clients and the id_token key -------------------------------------------------

  /** Registers an OAuth client and returns its client_id, a digest of the metadata. */
  async registerOAuthClient(metadata: ClientMetadata): Promise<string> {
    // Checked again so nothing but valid metadata is ever stored; on valid input it is a no-op.
    const valid = validateClientMetadata(metadata as unknown as JsonObject);
    const clientId = await clientIdOf(valid);
    this.oauthClients.register(clientId, valid, Date.now());
    return clientId;
  }

  async oauthClient(clientId: string): Promise<ClientMetadata | null> {
    return this.oauthClients.client(clientId);
  }

  async oauthPublicJwks(): Promise<{ keys: PublicRsaJwk[] }> {
    const { jwk, signing } = await this.idTokenKey();
    return { keys: [await publicJwkOf(jwk, signing.kid)] };
  }

  async signIdToken(claims: IdTokenClaims): Promise<string> {
    return signJwtRs256(claims, (await this.idTokenKey()).signing);
  }

  /**
   * The RS256 key, made and stored on first use. Generation awaits WebCrypto, during which other
   * calls may arrive, so they wait on the same promise instead of each making a key.
   */
  private idTokenKey(): Promise<{ jwk: RsaJwk; signing: Rs256SigningKey }> {
    this.oauthKey ??= (async () => {
      const stored = this.oauthKeys.currentKey();
      if (stored) return { jwk: stored.jwk, signing: await importRs256SigningKey(stored.jwk, stored.kid) };
      const jwk = await generateRs256Jwk();
      const kid = await jwkThumbprint(jwk);
      this.oauthKeys.addKey(kid, jwk, Date.now());
      return { jwk, signing: await importRs256SigningKey(jwk, kid) };
    })().catch((e: unknown) => {
      this.oauthKey = undefined;
      throw e;
    });
    return this.oauthKey;
  }

  // ---- content reports (spec: "Reporting content") ---------------------------------------

  async addContentReport(report: ContentReport): Promise<void> {
    this.reports.add(report, Date.now());
  }

  async contentReports(from: number, limit: number): Promise<StoredContentReport[]> {
    return this.reports.list(from, limit);
  }

  async eventReports(query: EventReportQuery): Promise<{ reports: StoredContentReport[]; total: number }> {
    return this.reports.eventReports(query);
  }

  async eventReport(id: number): Promise<StoredContentReport | null> {
    return this.reports.eventReport(id) ?? null;
  }

  async deleteEventReport(id: number): Promise<boolean> {
    return this.reports.deleteEventReport(id);
  }
}
