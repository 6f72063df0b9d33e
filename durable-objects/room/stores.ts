import { EventStore } from "./eventStore.js";
import { RoomStore } from "./roomStore.js";
import { OutboxStore } from "./outboxStore.js";
import { TxnStore } from "./txnStore.js";
import { RelationStore } from "./relationStore.js";
import { ReceiptStore } from "./receiptStore.js";
import { SearchStore } from "./searchStore.js";

/**
 * Everything one RoomDO stores, one store per table family, over the object's SQLite. Writes that
 * must land together (an event and all that derives from it) go through `atomically`.
 */
export interface RoomStores {
  events: EventStore;
  room: RoomStore;
  outbox: OutboxStore;
  txns: TxnStore;
  relations: RelationStore;
  receipts: ReceiptStore;
  /** The full-text index of server-side search. */
  search: SearchStore;
  /** Runs `f` as one transaction: all of its writes land, or none. */
  atomically<T>(f: () => T): T;
}

export function openRoomStores(storage: DurableObjectStorage): RoomStores {
  const sql = storage.sql;
  return {
    events: new EventStore(sql),
    room: new RoomStore(sql),
    outbox: new OutboxStore(sql),
    txns: new TxnStore(sql),
    relations: new RelationStore(sql),
    receipts: new ReceiptStore(sql),
    search: new SearchStore(sql),
    atomically: (f) => storage.transactionSync(f),
  };
}
