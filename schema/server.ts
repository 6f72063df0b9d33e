import type { Migration } from "./migrate.js";

/** SQLite schema of ServerDO (one per server): signing keys, aliases, directories. */
export const SERVER_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    seed TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    expired_ts INTEGER
  );
  CREATE TABLE room_aliases (
    alias TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_ts INTEGER NOT NULL
  );
  CREATE INDEX room_aliases_room ON room_aliases(room_id);
  -- The public room directory: rooms published with visibility "public", and a summary of each
  -- kept fresh by the room itself.
  CREATE TABLE public_rooms (
    room_id TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    joined_members INTEGER NOT NULL DEFAULT 0
  );
  -- The user directory: local users' profiles, and who shares a room or is in a public room.
  CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    displayname TEXT,
    avatar_url TEXT
  );
  CREATE TABLE user_rooms (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    is_public INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id)
  );
  CREATE INDEX user_rooms_room ON user_rooms(room_id);
  -- Single-use nonces of shared-secret registration (/_synapse/admin/v1/register).
  CREATE TABLE registration_nonces (
    nonce TEXT PRIMARY KEY,
    created_ts INTEGER NOT NULL
  );
  `,
  `
  -- Which room each event belongs to, for GET /_matrix/federation/v1/event/{eventId}, whose
  -- request names no room.
  CREATE TABLE event_rooms (
    event_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL
  );
  `,
  `
  -- OpenID tokens (spec: client-server "OpenID"): a user proves who they are to a third party,
  -- which exchanges the token at /_matrix/federation/v1/openid/userinfo. Only a hash is kept.
  CREATE TABLE openid_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_ts INTEGER NOT NULL
  );
  CREATE INDEX openid_tokens_expiry ON openid_tokens(expires_ts);
  `,
  `
  -- OAuth 2.0 clients (spec: "Client registration", RFC 7591). The client_id is a digest of the
  -- registered metadata (protocol/oauth/clientMetadata.ts), so a repeated registration finds its
  -- row instead of adding one.
  CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY,
    metadata TEXT NOT NULL,
    created_ts INTEGER NOT NULL
  );
  -- The RS256 key that signs OpenID Connect id_tokens, a private JWK; kid is its RFC 7638
  -- thumbprint. Generated on first use; the newest row is the current key.
  CREATE TABLE oauth_signing_keys (
    kid TEXT PRIMARY KEY,
    private_jwk TEXT NOT NULL,
    created_ts INTEGER NOT NULL
  );
  -- OAuth 2.0 device authorization grants (RFC 8628): pending logins of devices that show a
  -- user code; durable-objects/server/deviceGrantStore.ts.
  CREATE TABLE oauth_device_grants (
    device_code_hash TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER NOT NULL,
    last_poll_ts INTEGER,
    status TEXT NOT NULL,
    user_id TEXT
  );
  CREATE INDEX oauth_device_grants_expiry ON oauth_device_grants(expires_ts);
  `,
  // 5: who holds each pusher (app_id, pushkey), so setting one without `append` removes it from
  // other users (spec: POST /pushers/set); durable-objects/server/pushkeyStore.ts.
  `
  CREATE TABLE pushkeys (
    app_id TEXT NOT NULL,
    pushkey TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (app_id, pushkey, user_id)
  );
  `,
  // 6 (issue 14): reports of events, rooms and users (spec: "Reporting content"), kept for the
  // server's admins; durable-objects/server/reportStore.ts. `kind` says which of the target columns is set.
  `
  CREATE TABLE content_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    reporter TEXT NOT NULL,
    room_id TEXT,
    event_id TEXT,
    target_user_id TEXT,
    reason TEXT,
    content TEXT,
    received_ts INTEGER NOT NULL
  );
  `,
  // 7 (issue 14): the account each completed registration's UIA session made, so a retry with the
  // same session gets the same user (spec: UIA sessions; Synapse keeps it with the session);
  // durable-objects/server/registrationSessionStore.ts.
  `
  CREATE TABLE registration_sessions (
    session TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_ts INTEGER NOT NULL
  );
  CREATE INDEX registration_sessions_age ON registration_sessions(created_ts);
  `,
  // 8 (issue 16): every local account for the admin API's user list (GET
  // /_synapse/admin/v2/users), guests and deactivated users too; durable-objects/server/
  // localUserStore.ts. Users registered before start from the user directory, with an unknown
  // creation time (0). The directory holds only local users until the code that ships with this
  // migration adds remote ones, so the copy takes no remote user.
  `
  CREATE TABLE local_users (
    user_id TEXT PRIMARY KEY,
    displayname TEXT,
    avatar_url TEXT,
    is_guest INTEGER NOT NULL DEFAULT 0,
    admin INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    creation_ts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX local_users_creation ON local_users(creation_ts);
  INSERT INTO local_users (user_id, displayname, avatar_url) SELECT user_id, displayname, avatar_url FROM users;
  `,
];
