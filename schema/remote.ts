import type { Migration } from "./migrate.js";

/**
 * SQLite schema of RemoteDO (one per remote server): its verify keys, the outbound transaction
 * queue and the IDs of transactions received from it.
 */
export const REMOTE_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE meta (
    k TEXT PRIMARY KEY,
    v TEXT NOT NULL
  );
  -- The server's keys, from its own /_matrix/key/v2/server or a notary. Current keys have
  -- valid_until_ts; old keys (old_verify_keys) have expired_ts and are only good for events.
  CREATE TABLE server_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    valid_until_ts INTEGER NOT NULL,
    expired_ts INTEGER
  );
  -- The latest self-signed key responses, served again when we act as a notary.
  CREATE TABLE key_responses (
    valid_until_ts INTEGER NOT NULL,
    fetched_ts INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  -- Outbound queue, in order.
  CREATE TABLE outbound_pdus (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    json TEXT NOT NULL
  );
  CREATE TABLE outbound_edus (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    json TEXT NOT NULL
  );
  -- The transaction in flight (at most one): retried with the same ID and body until it is
  -- accepted or rejected; last_pdu/last_edu say which queue rows it covers.
  CREATE TABLE outbound_txn (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    txn_id TEXT NOT NULL,
    body TEXT NOT NULL,
    last_pdu INTEGER NOT NULL,
    last_edu INTEGER NOT NULL
  );
  -- Transactions received from this server (de-duplication), pruned after a week.
  CREATE TABLE inbound_txns (
    txn_id TEXT PRIMARY KEY,
    received_ts INTEGER NOT NULL
  );
  CREATE INDEX inbound_txns_ts ON inbound_txns(received_ts);
  `,
];
