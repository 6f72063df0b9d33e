import type { Migration } from "./migrate.js";

/**
 * SQLite schema of AppServiceDO (one per application service, `idFromName(serviceId)`): the
 * events waiting to be pushed to the service and the one transaction in flight.
 */
export const APPSERVICE_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE meta (
    k TEXT PRIMARY KEY,
    v TEXT NOT NULL
  );
  -- Client-format events for the service, in the order they were handed over.
  CREATE TABLE queued_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    json TEXT NOT NULL
  );
  -- The transaction in flight (at most one): resent with the same ID and body until the service
  -- answers 200; last_seq says which queue rows it covers.
  CREATE TABLE txn (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    txn_id TEXT NOT NULL,
    body TEXT NOT NULL,
    last_seq INTEGER NOT NULL
  );
  `,
];
