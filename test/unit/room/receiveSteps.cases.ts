/**
 * Steps 4–6 of the spec's "Checks performed on receipt of a PDU" (durable-objects/room/receive/)
 * and storeEvent, over a room's real stores inside workerd (run by test/unit/stores.test.ts).
 * Events are built by hand: these steps read the auth rules, not signatures or hashes.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../../../schema/room.js";
import { openRoomStores } from "../../../durable-objects/room/stores.js";
import type { RoomContext } from "../../../durable-objects/room/roomContext.js";
import { stateBeforePrevs } from "../../../durable-objects/room/stateBefore.js";
import { storeEvent } from "../../../durable-objects/room/storeEvent.js";
import { authAgainstAuthEvents } from "../../../durable-objects/room/receive/authEvents.js";
import { authAgainstStateBefore, learnStateBefore } from "../../../durable-objects/room/receive/stateBeforeEvent.js";
import { softFails } from "../../../durable-objects/room/receive/softFailure.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { stateKey, type PDU } from "../../../protocol/pdu.js";
import type { JsonObject } from "../../../protocol/json.js";
import type { Env } from "../../../platform/env.js";

const ALICE = "@alice:a.test";
const BOB = "@bob:b.test";
const version = getRoomVersion("10")!;

function event(id: string, sender: string, type: string, content: JsonObject, prev: string[], auth: string[], stateKeyOf?: string): PDU {
  const pdu: PDU = {
    event_id: id,
    room_id: "!room:a.test",
    sender,
    type,
    content,
    prev_events: prev,
    auth_events: auth,
    depth: 1,
    origin_server_ts: 1000,
    hashes: { sha256: "" },
    signatures: { [sender.split(":")[1]]: { "ed25519:k": "" } },
  };
  if (stateKeyOf !== undefined) pdu.state_key = stateKeyOf;
  return pdu;
}

/**
 * A room of version 10: alice creates it, makes it public, bob joins and speaks, alice bans bob.
 * Steps 4–6 need no outbound requests: the context's env is never read here.
 */
function bannedBobRoom(storage: DurableObjectStorage) {
  migrate(storage.sql, ROOM_MIGRATIONS);
  const stores = openRoomStores(storage);
  stores.room.create("!room:a.test", "10", 0);
  const room: RoomContext = { env: {} as Env, stores, roomId: "!room:a.test", version, ownKey: { serverName: "a.test", keyId: "ed25519:k", publicKey: new Uint8Array(32) } };
  const accept = (pdu: PDU) => {
    const before = stateBeforePrevs(stores.events, version, pdu.prev_events);
    assert.ok(before, `state before ${pdu.event_id}`);
    return stores.atomically(() => storeEvent(stores, version, pdu, { before }));
  };
  accept(event("$create", ALICE, "m.room.create", { creator: ALICE, room_version: "10" }, [], [], ""));
  accept(event("$aj", ALICE, "m.room.member", { membership: "join" }, ["$create"], ["$create"], ALICE));
  accept(event("$pl", ALICE, "m.room.power_levels", { users: { [ALICE]: 100 } }, ["$aj"], ["$create", "$aj"], ""));
  accept(event("$jr", ALICE, "m.room.join_rules", { join_rule: "public" }, ["$pl"], ["$create", "$aj", "$pl"], ""));
  accept(event("$bj", BOB, "m.room.member", { membership: "join" }, ["$jr"], ["$create", "$jr", "$pl"], BOB));
  accept(event("$m1", BOB, "m.room.message", { body: "hi" }, ["$bj"], ["$create", "$bj", "$pl"]));
  accept(event("$ban", ALICE, "m.room.member", { membership: "ban" }, ["$m1"], ["$create", "$aj", "$pl", "$bj"], BOB));
  return { room, stores, accept };
}

export const cases: Record<string, (sql: SqlStorage, storage: DurableObjectStorage) => void | Promise<void>> = {
  "step 4: an event is checked against the auth events it cites, which must all be held and not rejected"(_sql, storage) {
    const { room, stores } = bannedBobRoom(storage);
    // Bob's message citing no membership of his: not allowed by its own auth events.
    assert.match(authAgainstAuthEvents(room, event("$x", BOB, "m.room.message", {}, ["$ban"], ["$create", "$pl"])) ?? "", /./);
    assert.equal(authAgainstAuthEvents(room, event("$y", BOB, "m.room.message", {}, ["$ban"], ["$create", "$nope"])), "auth events missing");
    stores.events.insertEvent(event("$rej", BOB, "m.room.member", { membership: "join" }, ["$create"], ["$create"], BOB), { outlier: true, rejected: "test" });
    assert.equal(authAgainstAuthEvents(room, event("$z", BOB, "m.room.message", {}, ["$ban"], ["$create", "$rej", "$pl"])), "an auth event was rejected");
    assert.equal(authAgainstAuthEvents(room, event("$ok", BOB, "m.room.message", {}, ["$m1"], ["$create", "$bj", "$pl"])), undefined, "citing his join, before the ban");
  },

  async "step 5: the state before an event decides; after the ban bob's message is rejected"(_sql, storage) {
    const { room } = bannedBobRoom(storage);
    const afterBan = event("$late", BOB, "m.room.message", {}, ["$ban"], ["$create", "$bj", "$pl"]);
    const before = await learnStateBefore(room, "b.test", afterBan);
    assert.ok(before);
    assert.equal(before.ids.get(stateKey("m.room.member", BOB)), "$ban");
    assert.match(authAgainstStateBefore(room, afterBan, before) ?? "", /./);
    // On a branch from before the ban, the same message passes step 5 ...
    const onBranch = event("$branch", BOB, "m.room.message", {}, ["$m1"], ["$create", "$bj", "$pl"]);
    const branchBefore = await learnStateBefore(room, "b.test", onBranch);
    assert.ok(branchBefore);
    assert.equal(authAgainstStateBefore(room, onBranch, branchBefore), undefined);
  },

  async "step 6: an event the current state forbids is soft-failed, stored but not shown or built upon"(_sql, storage) {
    const { room, stores } = bannedBobRoom(storage);
    const onBranch = event("$branch", BOB, "m.room.message", {}, ["$m1"], ["$create", "$bj", "$pl"]);
    assert.equal(softFails(room, onBranch), true, "bob is banned now");
    assert.equal(softFails(room, event("$a", ALICE, "m.room.message", {}, ["$ban"], ["$create", "$aj", "$pl"])), false);
    const before = await learnStateBefore(room, "b.test", onBranch);
    assert.ok(before);
    stores.atomically(() => storeEvent(stores, version, onBranch, { before, softFailed: true }));
    assert.equal(stores.events.getRow("$branch")?.soft_failed, 1);
    assert.deepEqual(stores.events.forwardExtremities(), ["$ban"], "a soft-failed event is never a prev event");
    assert.equal(stores.events.currentStateIds().get(stateKey("m.room.member", BOB)), "$ban");
    assert.equal(stores.outbox.next(100).includes(stores.events.getRow("$branch")!.ordering), false, "nor delivered to members");
  },

  "storeEvent: the current state follows the room, a redaction strips its target, a retried txn finds its event"(_sql, storage) {
    const { stores, accept } = bannedBobRoom(storage);
    assert.equal(stores.events.currentEvent("m.room.member", BOB)?.content.membership, "ban");
    assert.equal(stores.room.meta()?.state_group, stores.events.afterGroup("$ban"), "the room row points at the state after the latest event");
    const before = stateBeforePrevs(stores.events, version, ["$ban"]);
    assert.ok(before);
    stores.atomically(() => storeEvent(stores, version, event("$msg", ALICE, "m.room.message", { body: "secret" }, ["$ban"], ["$create", "$aj", "$pl"]), { before, txn: { deviceId: "D", txnId: "t1" } }));
    assert.equal(stores.txns.eventFor(ALICE, "D", "t1"), "$msg");
    const redaction = event("$red", ALICE, "m.room.redaction", {}, ["$msg"], ["$create", "$aj", "$pl"]);
    redaction.redacts = "$msg";
    accept(redaction);
    assert.deepEqual(stores.events.getEvent("$msg")?.content, {});
    assert.equal(stores.events.getRow("$msg")?.redacted_by, "$red");
    assert.deepEqual(stores.events.forwardExtremities(), ["$red"]);
  },
};
