import type { Migration } from "./migrate.js";

/** SQLite schema of UserDO (one per user): account, devices, tokens, per-user data and the sync stream. */
function hasColumn(sql: SqlStorage, table: string, column: string): boolean {
  return sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().some((c) => c.name === column);
}

function repairMigration4(sql: SqlStorage): void {
  if (!hasColumn(sql, "rooms", "read_moved_pos")) {
    sql.exec(`
      ALTER TABLE rooms ADD COLUMN read_moved_pos INTEGER NOT NULL DEFAULT 0;
      UPDATE rooms SET read_moved_pos = COALESCE((SELECT MAX(pos) FROM stream s WHERE s.room_id = rooms.room_id AND s.kind = 'read'), 0);
    `);
  }
  sql.exec("CREATE INDEX IF NOT EXISTS room_state_type ON room_state(type)");
  if (!hasColumn(sql, "sliding_positions", "parent")) sql.exec("ALTER TABLE sliding_positions ADD COLUMN parent INTEGER NOT NULL DEFAULT 0");
}

export const USER_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE account (
    user_id TEXT PRIMARY KEY,
    password_hash TEXT,
    is_guest INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    created_ts INTEGER NOT NULL,
    displayname TEXT,
    avatar_url TEXT
  );
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    display_name TEXT,
    last_seen_ts INTEGER,
    last_seen_ip TEXT,
    created_ts INTEGER NOT NULL
  );
  CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    created_ts INTEGER NOT NULL
  );
  CREATE INDEX access_tokens_device ON access_tokens(device_id);
  CREATE TABLE account_data (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (room_id, type)
  );
  CREATE TABLE filters (
    filter_id INTEGER PRIMARY KEY AUTOINCREMENT,
    json TEXT NOT NULL
  );
  CREATE TABLE push_rules (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
  );
  CREATE TABLE presence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    presence TEXT NOT NULL,
    status_msg TEXT,
    last_active_ts INTEGER NOT NULL
  );
  -- The user's rooms as this user sees them: membership and the room's current state copy.
  CREATE TABLE rooms (
    room_id TEXT PRIMARY KEY,
    membership TEXT NOT NULL,
    membership_event_id TEXT,
    membership_pos INTEGER NOT NULL,
    invite_state TEXT,
    forgotten INTEGER NOT NULL DEFAULT 0,
    -- Stream position of the event the user's latest read receipt points at.
    read_pos INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE room_state (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    json TEXT NOT NULL,
    pos INTEGER NOT NULL,
    PRIMARY KEY (room_id, type, state_key)
  );
  -- The per-user stream that /sync (and later sliding sync) read: one row per thing the user
  -- should learn about, in the order they learn it. 'pos' is the sync token's inner form.
  CREATE TABLE stream (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    room_id TEXT,
    event_id TEXT,
    room_ordering INTEGER,
    json TEXT NOT NULL,
    -- Push-rule outcome for this user, for unread counts (room events only).
    notify INTEGER NOT NULL DEFAULT 0,
    highlight INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX stream_room ON stream(room_id, pos);
  CREATE UNIQUE INDEX stream_event ON stream(room_id, event_id) WHERE event_id IS NOT NULL;
  -- Ephemeral per-room data replaced in place (typing); its pos moves forward when it changes.
  CREATE TABLE room_ephemeral (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    pos INTEGER NOT NULL,
    PRIMARY KEY (room_id, type)
  );
  -- Unread notification counts per room, from push-rule evaluation at delivery.
  CREATE TABLE to_device (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX to_device_device ON to_device(device_id, pos);
  CREATE TABLE to_device_txns (
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    PRIMARY KEY (device_id, txn_id)
  );
  `,
  // 2: end-to-end encryption (spec: end_to_end_encryption.md) — device keys, one-time and
  // fallback keys, cross-signing keys, signatures others uploaded on our keys, key backup.
  `
  CREATE TABLE e2e_device_keys (
    device_id TEXT PRIMARY KEY,
    json TEXT NOT NULL
  );
  CREATE TABLE e2e_one_time_keys (
    device_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (device_id, key_id)
  );
  CREATE INDEX e2e_one_time_keys_alg ON e2e_one_time_keys(device_id, algorithm);
  CREATE TABLE e2e_fallback_keys (
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    json TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, algorithm)
  );
  -- master, self_signing, user_signing
  CREATE TABLE e2e_cross_signing_keys (
    key_type TEXT PRIMARY KEY,
    json TEXT NOT NULL
  );
  -- Signatures uploaded through keys/signatures/upload on one of this user's keys. target is a
  -- device ID or a cross-signing public key (unpadded base64).
  CREATE TABLE e2e_signatures (
    target TEXT NOT NULL,
    signer_user_id TEXT NOT NULL,
    signer_key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (target, signer_user_id, signer_key_id)
  );
  CREATE TABLE room_keys_versions (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    algorithm TEXT NOT NULL,
    auth_data TEXT NOT NULL,
    etag INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE room_keys (
    version INTEGER NOT NULL,
    room_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    first_message_index INTEGER NOT NULL,
    forwarded_count INTEGER NOT NULL,
    is_verified INTEGER NOT NULL,
    session_data TEXT NOT NULL,
    PRIMARY KEY (version, room_id, session_id)
  );
  `,
  // 3: the user's dehydrated device (MSC3814, unstable): at most one. The device itself is a
  // row of `devices` (without access tokens), its keys live in the e2e_* tables and its to-device
  // messages in to_device, like any device; this row holds what the client needs to rehydrate it.
  `
  CREATE TABLE dehydrated_device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    device_data TEXT NOT NULL
  );
  `,
  // 4: simplified sliding sync (MSC4186). Each room's latest activity orders the room list, and
  // its latest "bump" event gives its bump_stamp (both stream positions, kept as events arrive).
  // A connection is one (device, conn_id) sync loop; each response it is given is a generation
  // ("pos"), and sliding_rooms says, per generation, what each room was last sent with.
  `
  ALTER TABLE rooms ADD COLUMN last_pos INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rooms ADD COLUMN bump_pos INTEGER NOT NULL DEFAULT 0;
  UPDATE rooms SET
    last_pos = MAX(membership_pos, COALESCE((SELECT MAX(pos) FROM stream s WHERE s.room_id = rooms.room_id AND s.kind = 'event'), 0)),
    bump_pos = COALESCE((SELECT MAX(pos) FROM stream s WHERE s.room_id = rooms.room_id AND s.kind = 'event'
      AND json_extract(s.json, '$.event.type') IN ('m.room.create', 'm.room.message', 'm.room.encrypted', 'm.sticker', 'm.call.invite', 'm.poll.start', 'm.beacon_info')), 0);
  CREATE TABLE sliding_connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    conn_id TEXT NOT NULL,
    -- Changes whenever the connection starts over, so a pos of an earlier life is unknown.
    nonce TEXT NOT NULL,
    -- The latest request (parsed), for a parked long-poll and for lists resent with ranges only.
    request TEXT NOT NULL,
    last_used_ts INTEGER NOT NULL,
    UNIQUE (device_id, conn_id)
  );
  CREATE TABLE sliding_positions (
    conn INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    -- The user's stream position the response of this generation was built at.
    stream_pos INTEGER NOT NULL,
    list_counts TEXT NOT NULL,
    PRIMARY KEY (conn, gen)
  );
  CREATE TABLE sliding_rooms (
    conn INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    room_id TEXT NOT NULL,
    -- The room's data up to this stream position has been sent on the connection.
    sent_pos INTEGER NOT NULL,
    -- The combined room config (timeline_limit, required_state) it was sent with, as JSON.
    config TEXT NOT NULL,
    membership TEXT NOT NULL,
    PRIMARY KEY (conn, room_id, gen)
  );
  `,
  // 5: token lifetimes, refresh tokens and the OAuth 2.0 API (issue 12). An access token with a
  // refresh token expires (expires_ts, ms; NULL: never, as legacy tokens without one) and notes
  // its first use (used), which ends the predecessor refresh token's grace for a retry.
  // Refresh tokens rotate: each is consumed once and names its successor (next_hash).
  `
  ALTER TABLE access_tokens ADD COLUMN expires_ts INTEGER;
  ALTER TABLE access_tokens ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    -- The access token issued with it.
    access_token_hash TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    consumed_ts INTEGER,
    next_hash TEXT
  );
  CREATE INDEX refresh_tokens_device ON refresh_tokens(device_id);
  -- The OAuth client a device signed in through, and the scope it was granted (NULL: password login).
  ALTER TABLE devices ADD COLUMN oauth_client_id TEXT;
  ALTER TABLE devices ADD COLUMN oauth_scope TEXT;
  -- Authorization codes (RFC 6749 §4.1.2), single use; device_id is the session a code creates.
  CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope TEXT NOT NULL,
    device_id TEXT NOT NULL,
    nonce TEXT,
    auth_time INTEGER NOT NULL,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER NOT NULL,
    used_ts INTEGER
  );
  CREATE INDEX oauth_codes_device ON oauth_codes(device_id);
  -- Browser sign-ins on the account pages (cookie value latw_…, stored hashed).
  CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER NOT NULL,
    last_active_ts INTEGER NOT NULL,
    user_agent TEXT
  );
  -- Actions the user approved on the account page for a while (the m.oauth UIA stage).
  CREATE TABLE oauth_approvals (
    action TEXT PRIMARY KEY,
    until_ts INTEGER NOT NULL
  );
  `,
  // 6: a repair. Three changes were once made to migration 4 after it had shipped: a database
  // that ran the first migration 4 lacks them, one that ran the later text has them. Both end here
  // with rooms.read_moved_pos (the stream position of the user's latest read-marker move, when
  // unread counts changed, for /sync and sliding sync alike), the room_state type index (sliding
  // sync reads one state type across all rooms), and sliding_positions.parent (the generation a
  // response builds on; generations are never reused, so a late duplicate request only adds a
  // sibling the client never sees).
  repairMigration4,
  // 7: push notifications (issue 13; spec: push.md, pusher.yaml, push_notifier.yaml). A pusher
  // belongs to the device whose token set it and goes with it. Notifications for the gateways
  // wait in push_queue until an alarm sends them (one row per gateway request: the pushers of one
  // gateway URL and format share it); `notifications` lists what GET /notifications pages through.
  `
  CREATE TABLE pushers (
    app_id TEXT NOT NULL,
    pushkey TEXT NOT NULL,
    device_id TEXT NOT NULL,
    app_display_name TEXT NOT NULL,
    device_display_name TEXT NOT NULL,
    profile_tag TEXT,
    lang TEXT NOT NULL,
    -- The client's data object (JSON), with its url and format.
    data TEXT NOT NULL,
    -- When the pushkey was last set (ms); sent to gateways in seconds.
    pushkey_ts INTEGER NOT NULL,
    -- The unread count this pusher's gateway last heard (badge updates are sent on change only).
    last_badge INTEGER,
    PRIMARY KEY (app_id, pushkey)
  );
  CREATE INDEX pushers_device ON pushers(device_id);
  CREATE TABLE push_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    -- The notification (JSON) without its devices, which are read at send time.
    notification TEXT NOT NULL,
    -- The pushers it goes to: JSON array of [app_id, pushkey].
    pushers TEXT NOT NULL,
    -- The push rule's tweaks (JSON object), or NULL for a badge update.
    tweaks TEXT,
    created_ts INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_ts INTEGER NOT NULL
  );
  CREATE INDEX push_queue_due ON push_queue(next_attempt_ts);
  CREATE TABLE notifications (
    -- The event's stream position (its row in 'stream').
    pos INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    actions TEXT NOT NULL,
    highlight INTEGER NOT NULL,
    ts INTEGER NOT NULL
  );
  CREATE INDEX notifications_highlight ON notifications(pos) WHERE highlight = 1;
  -- The badge (unread notifications across rooms) is counted on every push: this index holds
  -- only the notifying events, so the count reads those and not every unread row.
  CREATE INDEX stream_notifying ON stream(room_id, pos) WHERE notify = 1;
  `,
  // 8: /sync state at the start of the timeline (issue 14). room_state holds each room's current
  // state; room_state_prior keeps each version it replaced, valid over [pos, replaced_pos), so the
  // state at any stream position can be read back. lazy_members_sent remembers, per device, which
  // member event of each user a lazy-loading /sync sent, in a response whose next_batch was
  // sent_at: once the device syncs from sent_at or later it has it, and it is not sent again.
  // The state copied at a join is now set just before the join's position (delivery.ts): rooms
  // joined before this migration get theirs moved there too.
  `
  CREATE TABLE room_state_prior (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    json TEXT NOT NULL,
    pos INTEGER NOT NULL,
    replaced_pos INTEGER NOT NULL
  );
  CREATE INDEX room_state_prior_room ON room_state_prior(room_id, replaced_pos);
  CREATE TABLE lazy_members_sent (
    device_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, room_id, user_id)
  );
  UPDATE room_state SET pos = pos - 1 WHERE EXISTS
    (SELECT 1 FROM rooms r WHERE r.room_id = room_state.room_id AND r.membership = 'join' AND r.membership_pos = room_state.pos);
  `,
  // 9: bundled aggregations in /sync (user/syncAggregations.ts): a room event's children in the
  // user's stream, found by the parent their m.relates_to names. The expression is the one
  // StreamStore.childrenOf queries with, so SQLite uses this index; a redaction rewrites the
  // stored event without m.relates_to, which takes the child out of it.
  `
  CREATE INDEX stream_relates_to ON stream(room_id, json_extract(json, '$.event.content."m.relates_to".event_id')) WHERE kind = 'event';
  `,
  // 10 (issue 16): whether the user is a server admin, who may use the admin API under
  // /_synapse/admin (worker/admin/). Set by shared-secret registration's `admin: true` and by
  // PUT /_synapse/admin/v2/users/{userId}.
  `
  ALTER TABLE account ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
  `,
  // 11: /sync reads a room's state changed after a position (RoomViewStore.stateAt) on every
  // incremental sync; by room_id alone that walks every member of a big room.
  `
  CREATE INDEX room_state_pos ON room_state(room_id, pos);
  `,
  // 12: a room's events alone, newest first. Each replaced state version's pruning counts back a
  // room's 1000th-latest event (StreamStore.nthLatestRoomEventPos) on every delivery that replaces
  // state; through stream_room it read each row to skip receipts, typing and account data, here it
  // reads only the index.
  `
  CREATE INDEX stream_room_events ON stream(room_id, pos) WHERE kind = 'event';
  `,
];
