/**
 * The RPC contract of ServerDO (one per server): what the Worker and other Durable Objects may
 * call on it through serverStub (platform/stubs.ts). The class implements this interface, so tsc
 * keeps the two in step; callers never import the class itself.
 */
import type { JsonObject } from "../../protocol/json.js";
import type { SerializedSigningKey } from "../signingKey.js";
import type { ClientMetadata } from "../../protocol/oauth/clientMetadata.js";
import type { IdTokenClaims, PublicRsaJwk } from "../../protocol/oauth/idToken.js";

/** What the room directory shows of a room (spec: PublishedRoomsChunk). */
export interface PublicRoomSummary {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  avatar_url?: string;
  canonical_alias?: string;
  join_rule?: string;
  room_type?: string;
}

/** What a poll of the token endpoint learns about a device authorization grant (RFC 8628 §3.5). */
export type DevicePoll =
  | { status: "pending" | "slow_down" | "denied" | "expired" | "invalid" }
  | { status: "approved"; userId: string; scope: string };

/** A report a local user filed (spec: "Reporting content"), for the server's admins. */
export type ContentReport =
  | { kind: "event"; reporter: string; roomId: string; eventId: string; reason?: string; /** The request body, as Synapse keeps it. */ content: JsonObject }
  | { kind: "room"; reporter: string; roomId: string; reason: string }
  | { kind: "user"; reporter: string; userId: string; reason: string };

export interface StoredContentReport {
  id: number;
  kind: "event" | "room" | "user";
  reporter: string;
  roomId: string | null;
  eventId: string | null;
  userId: string | null;
  reason: string | null;
  content: JsonObject | null;
  receivedTs: number;
}

/** One member's change for the user directory (ServerRpc.updateUserDirectory). */
export interface DirectoryMembership {
  userId: string;
  joined: boolean;
  /** A remote user's display name and avatar, from their member event; local users keep their global profile. */
  profile?: { displayname: string | null; avatarUrl: string | null };
}

/** Which event reports the admin API lists (GET /_synapse/admin/v1/event_reports). */
export interface EventReportQuery {
  /** Offset into the matching reports. */
  from: number;
  limit: number;
  /** "b": newest first (Synapse's default); "f": oldest first. */
  dir: "f" | "b";
  /** Only reports by this user. */
  reporter?: string;
  /** Only reports about events of this room. */
  roomId?: string;
}

/** Which local users the admin API lists (GET /_synapse/admin/v2/users). */
export interface LocalUserQuery {
  /** Offset into the matching users. */
  from: number;
  limit: number;
  /** Substring of the localpart or display name (case-insensitive). */
  name?: string;
  /** Substring of the user ID; ignored when `name` is given. */
  userId?: string;
  /** Include guests. */
  guests: boolean;
  /** Only deactivated (true) or only active (false) users; undefined: both. */
  deactivated?: boolean;
  /** Only admins (true) or only non-admins (false); undefined: both. */
  admins?: boolean;
  /** Synapse's order_by value; ties are broken by user ID. */
  orderBy: string;
  dir: "f" | "b";
}

export interface LocalUserRow {
  userId: string;
  displayname: string | null;
  avatarUrl: string | null;
  isGuest: boolean;
  admin: boolean;
  deactivated: boolean;
  /** ms since the epoch; 0 when unknown (registered before the list existed). */
  creationTs: number;
}

export interface ServerRpc {
  /** The server's current signing key: from the SIGNING_KEY secret, else generated once and kept. */
  signingKey(): Promise<SerializedSigningKey>;
  /** Keys this server signed with before (spec: old_verify_keys): public key and when it expired. */
  oldVerifyKeys(): Promise<{ keyId: string; publicKey: string; expiredTs: number }[]>;

  /** Records a shared-secret registration nonce, valid for a minute. */
  issueNonce(nonce: string): Promise<void>;
  /** True once per nonce issued in the last minute. */
  consumeNonce(nonce: string): Promise<boolean>;
  /** Remembers that the UIA session `session` registered `userId` (kept 48 hours). */
  recordRegistration(session: string, userId: string): Promise<void>;
  /** The user the UIA session `session` registered, or null. */
  registeredBy(session: string): Promise<string | null>;

  /** Keeps the hash of a new OpenID token of `userId` until `expiresTs`; expired ones go on the way. */
  issueOpenIdToken(tokenHash: string, userId: string, expiresTs: number): Promise<void>;
  /** The user an unexpired OpenID token belongs to, or null. */
  openIdUser(tokenHash: string): Promise<string | null>;

  /** Notes which room these events belong to (the event → room index). */
  indexEvents(roomId: string, eventIds: string[]): Promise<void>;
  /** The room an event belongs to, or null when unknown here. */
  roomOfEvent(eventId: string): Promise<string | null>;

  /** Creates a room alias; M_UNKNOWN (409) when it already exists. */
  createAlias(alias: string, roomId: string, creator: string): Promise<void>;
  /** Whether the alias is taken. */
  aliasExists(alias: string): Promise<boolean>;
  /** The room an alias points to, or null. */
  resolveAlias(alias: string): Promise<string | null>;
  /** The room and creator of an alias, or null. */
  aliasInfo(alias: string): Promise<{ room_id: string; creator: string } | null>;
  /** Deletes an alias and returns the room it pointed to; M_NOT_FOUND when there is none. */
  deleteAlias(alias: string): Promise<string>;
  /** The local aliases of a room, sorted. */
  aliasesOf(roomId: string): Promise<string[]>;

  /** Publishes a room in the directory (with its summary) or withdraws it. */
  setPublished(roomId: string, published: boolean, summary?: PublicRoomSummary): Promise<void>;
  /** Whether the room is in the public directory. */
  isPublished(roomId: string): Promise<boolean>;
  /** Refreshes a published room's summary; a no-op for unpublished rooms. */
  updatePublicSummary(summary: PublicRoomSummary): Promise<void>;
  /** Rooms ordered by joined members (largest first), then room ID; `since` is an offset token. */
  publicRooms(limit: number, since: string | undefined, filter: string | undefined): Promise<JsonObject>;

  /**
   * Adds or updates a local user in the user directory, and in the admin API's list of local users
   * (as active; as a guest when `isGuest`, which a guest's profile change says).
   */
  upsertUser(userId: string, displayname: string | null, avatarUrl: string | null, isGuest?: boolean): Promise<void>;
  /** Removes a user from the user directory, with their room memberships there (deactivation: the admin API's list marks them deactivated). */
  removeUser(userId: string): Promise<void>;
  /** A guest registered: listed for the admin API (guests are not in the user directory). */
  addLocalGuest(userId: string): Promise<void>;
  /** A deactivated (or being erased) user's profile changed by an admin: only the admin API's list shows it, the user directory holds no deactivated users. */
  setLocalUserProfile(userId: string, displayname: string | null, avatarUrl: string | null): Promise<void>;
  /** A local user's admin flag changed: the admin API's list shows it. */
  setLocalUserAdmin(userId: string, admin: boolean): Promise<void>;
  /** A page of local users for the admin API, with how many match in all. */
  listLocalUsers(query: LocalUserQuery): Promise<{ users: LocalUserRow[]; total: number }>;
  /** Local users joined to at least one room (candidates for a remote user's EDUs). */
  localUsersInRooms(): Promise<string[]>;
  /**
   * A room's membership changes and whether the room is now public in the user directory's sense
   * (join rule public or history world-readable), so the directory knows who shares a room with
   * whom and who is in a public room. A remote member comes with the profile of their member event.
   */
  updateUserDirectory(roomId: string, isPublic: boolean, members: DirectoryMembership[]): Promise<void>;
  /** Spec: POST /user_directory/search — users sharing a room with the searcher or in a public room. */
  searchUsers(searcher: string, term: string, limit: number): Promise<JsonObject>;

  /**
   * Registers an OAuth client (checked again here) and returns its client_id, a digest of the
   * metadata: the same metadata always gets the same ID. Throws OAuthError on bad metadata.
   */
  registerOAuthClient(metadata: ClientMetadata): Promise<string>;
  /** The metadata registered under an OAuth client_id, or null. */
  oauthClient(clientId: string): Promise<ClientMetadata | null>;
  /** The public keys id_tokens are signed with, as jwks_uri serves them (RFC 7517 JWK Set). */
  oauthPublicJwks(): Promise<{ keys: PublicRsaJwk[] }>;
  /** Signs id_token claims with the server's RS256 key (made on first use; it never leaves ServerDO). */
  signIdToken(claims: IdTokenClaims): Promise<string>;

  // OAuth 2.0 device authorization grants (RFC 8628).

  /** A new grant for a client: the device code (for polling) and the user code a person types. */
  createDeviceGrant(clientId: string, scope: string, lifetimeMs: number): Promise<{ deviceCode: string; userCode: string }>;
  /** The client and scope of a pending grant, by its user code (already normalized), or null. */
  pendingDeviceGrant(userCode: string): Promise<{ clientId: string; scope: string } | null>;
  /** Approves the grant for `userId`, or denies it (null); false when there is no such pending grant. */
  decideDeviceGrant(userCode: string, userId: string | null): Promise<boolean>;
  /** A poll of the token endpoint by the device; "approved" is answered once. */
  pollDeviceGrant(deviceCode: string, clientId: string, intervalMs: number): Promise<DevicePoll>;

  /**
   * Notes that `userId` has the pusher (app_id, pushkey). Without `append` the pusher is taken from
   * every other user: they are returned, and the caller deletes their copies (spec: POST /pushers/set).
   */
  claimPushkey(appId: string, pushkey: string, userId: string, append: boolean): Promise<string[]>;
  releasePushkey(appId: string, pushkey: string, userId: string): Promise<void>;

  /** Keeps a content report for the server's admins. */
  addContentReport(report: ContentReport): Promise<void>;
  /** Up to `limit` reports after the one numbered `from`, oldest first. */
  contentReports(from: number, limit: number): Promise<StoredContentReport[]>;
  /** A page of event reports for the admin API, with how many match in all. */
  eventReports(query: EventReportQuery): Promise<{ reports: StoredContentReport[]; total: number }>;
  /** One event report, or null. */
  eventReport(id: number): Promise<StoredContentReport | null>;
  /** Deletes an event report; false when there was none. */
  deleteEventReport(id: number): Promise<boolean>;
}
