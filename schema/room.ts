import type { Migration } from "./migrate.js";

/** SQLite schema of RoomDO (one per room): the event DAG, state snapshots, receipts. */
export const ROOM_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE room (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    room_id TEXT NOT NULL,
    room_version TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    -- The state group holding the current state (the state after the latest event).
    state_group INTEGER,
    -- Events up to this ordering are in ServerDO's event → room index (kept for federated rooms).
    indexed_upto INTEGER NOT NULL DEFAULT 0
  );
  -- Every event this server holds. 'ordering' is the order it was accepted here (the stream
  -- ordering that tokens point into); 'state_group' is the room state BEFORE the event.
  -- Outliers are events we hold without knowing the state at them (auth chains, fetched events).
  CREATE TABLE events (
    ordering INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    state_key TEXT,
    sender TEXT NOT NULL,
    depth INTEGER NOT NULL,
    origin_server_ts INTEGER NOT NULL,
    json TEXT NOT NULL,
    state_group INTEGER,
    -- The room state AFTER the event (the same group as before for non-state events).
    state_group_after INTEGER,
    outlier INTEGER NOT NULL DEFAULT 0,
    -- Soft-failed events are stored (they pass auth against their own history) but not shown
    -- to clients nor used as prev_events (spec: "Soft failure").
    soft_failed INTEGER NOT NULL DEFAULT 0,
    rejected TEXT,
    redacted_by TEXT,
    txn_device TEXT,
    txn_id TEXT
  );
  CREATE INDEX events_ts ON events(origin_server_ts);
  CREATE INDEX events_member ON events(type, state_key) WHERE state_key IS NOT NULL;
  -- State snapshots: a full map every SNAPSHOT_INTERVAL groups and deltas in between.
  CREATE TABLE state_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prev_group INTEGER,
    delta TEXT NOT NULL,
    chain_length INTEGER NOT NULL
  );
  CREATE TABLE current_state (
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (type, state_key)
  );
  CREATE TABLE forward_extremities (event_id TEXT PRIMARY KEY);
  -- The DAG's edges (event → each of its prev_events), to tell whether an event that arrives
  -- late is already referenced by a newer one (and so is not a forward extremity).
  CREATE TABLE prev_edges (
    event_id TEXT NOT NULL,
    prev_id TEXT NOT NULL,
    PRIMARY KEY (event_id, prev_id)
  );
  CREATE INDEX prev_edges_prev ON prev_edges(prev_id);
  -- Client transaction IDs, per user and device (spec: idempotent PUT /send/{txnId}).
  CREATE TABLE txns (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
  );
  CREATE TABLE receipts (
    user_id TEXT NOT NULL,
    receipt_type TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (user_id, receipt_type, thread_id)
  );
  -- Events accepted but not yet handed to every local member's UserDO (survives restarts).
  CREATE TABLE outbox (ordering INTEGER PRIMARY KEY);
  CREATE TABLE relations (
    event_id TEXT PRIMARY KEY,
    relates_to TEXT NOT NULL,
    rel_type TEXT NOT NULL
  );
  CREATE INDEX relations_parent ON relations(relates_to, rel_type);
  `,
  // Server-side search (POST /search): an FTS5 index of the searchable text of each event, its
  // rowid the event's ordering, one column per spec key (content.body / content.name /
  // content.topic). The events the room already holds are indexed here, once, in the same step
  // as the table (rather than lazily on a room's first search): the migration already runs
  // before any request, so no search ever sees a half-built index and nothing has to remember
  // which rooms are done. It mirrors protocol/search/searchableText.ts (which indexes new events):
  // text only, non-blank, m.topic's text/plain bodies (mimetype absent means text/plain) besides
  // content.topic, unless they repeat it; redacted events (already stripped) are left out.
  `
  CREATE VIRTUAL TABLE event_search USING fts5(body, name, topic, tokenize = 'unicode61 remove_diacritics 2');
  INSERT INTO event_search (rowid, body, name, topic)
  SELECT ordering, body, name, topic FROM (
    SELECT ev.ordering,
      CASE WHEN ev.type = 'm.room.message' AND json_type(ev.json, '$.content.body') = 'text' AND trim(json_extract(ev.json, '$.content.body')) <> ''
        THEN json_extract(ev.json, '$.content.body') END AS body,
      CASE WHEN ev.type = 'm.room.name' AND json_type(ev.json, '$.content.name') = 'text' AND trim(json_extract(ev.json, '$.content.name')) <> ''
        THEN json_extract(ev.json, '$.content.name') END AS name,
      CASE WHEN ev.type = 'm.room.topic' THEN (
        SELECT group_concat(t, char(10)) FROM (
          SELECT DISTINCT t FROM (
            SELECT 0 AS k, json_extract(ev.json, '$.content.topic') AS t WHERE json_type(ev.json, '$.content.topic') = 'text'
            UNION ALL
            SELECT 1 + r.key, json_extract(r.value, '$.body') FROM json_each(ev.json, '$.content."m.topic"."m.text"') r
             WHERE r.type = 'object' AND json_type(r.value, '$.body') = 'text'
               AND coalesce(json_extract(r.value, '$.mimetype'), 'text/plain') = 'text/plain'
            ORDER BY k
          ) WHERE trim(t) <> ''
        )
      ) END AS topic
    FROM events ev
    WHERE ev.type IN ('m.room.message', 'm.room.name', 'm.room.topic')
      AND outlier = 0 AND soft_failed = 0 AND rejected IS NULL AND redacted_by IS NULL
  ) WHERE body IS NOT NULL OR name IS NOT NULL OR topic IS NOT NULL;
  `,
];
