import type { JsonObject } from "../../protocol/json.js";
import { stateKey, type PDU, type StateIdMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { roomPower, powerOf, type RoomPower } from "../../protocol/powerLevels.js";
import type { EventRow, EventStore } from "./eventStore.js";
import { toClientEvent, toStrippedState, STRIPPED_STATE_TYPES, type ClientEvent } from "../../protocol/clientEvent.js";
import type { DeliveryItem, PushContext } from "../../platform/rpc/delivery.js";

/**
 * Planning the fan-out of a room's events to its local members' UserDOs: who gets each event and
 * with what (the client event, their membership change, the full state on their own join,
 * stripped state on an invite or knock, a redacted copy, the inputs of push-rule evaluation).
 */
export class FanoutPlan {
  /** Joined members and power per state group (see membersAndPower). */
  private groupSummaries = new Map<number, { joined: string[]; power: RoomPower; notificationPowerLevels: Record<string, number> }>();

  constructor(
    private store: EventStore,
    private isLocal: (userId: string) => boolean,
  ) {}

  /** Who among local users should learn about this event, and what each of them gets. */
  deliveriesFor(row: EventRow, roomId: string, version: RoomVersion): Array<[string, DeliveryItem]> {
    const pdu = this.store.getEvent(row.event_id);
    if (!pdu) return [];
    const before = row.state_group === null ? new Map<string, string>() : this.store.stateAtGroup(row.state_group);
    const after = row.state_group_after !== null ? this.store.stateAtGroup(row.state_group_after) : before;
    const event = this.clientEventOf(row, pdu, roomId, before);

    const { joined, power, notificationPowerLevels } = this.membersAndPower(row.state_group_after, after, version);
    const senderMemberId = after.get(stateKey("m.room.member", pdu.sender));
    const senderName = senderMemberId ? this.store.getEvent(senderMemberId)?.content.displayname : undefined;
    const push: PushContext = {
      memberCount: joined.length,
      senderPowerLevel: powerOf(pdu.sender, power),
      notificationPowerLevels,
      senderDisplayName: typeof senderName === "string" ? senderName : undefined,
    };
    let redacted: ClientEvent | undefined;
    if (pdu.type === "m.room.redaction") {
      const targetId = event.redacts;
      const target = targetId ? this.store.getEvent(targetId) : undefined;
      if (target) redacted = toClientEvent(target, roomId, { redacted_because: event as unknown as JsonObject });
    }

    const recipients = new Set(joined.filter((u) => this.isLocal(u)));
    const target = pdu.type === "m.room.member" ? pdu.state_key : undefined;
    if (target && this.isLocal(target)) recipients.add(target);
    // Nobody is joined at the create event, but its sender is the creator, who joins next and
    // may see it (the state at it has the default visibility, shared): their first timeline
    // starts with it, as clients expect ("created the room").
    if (pdu.type === "m.room.create" && pdu.state_key === "" && this.isLocal(pdu.sender)) recipients.add(pdu.sender);

    const out: Array<[string, DeliveryItem]> = [];
    for (const userId of recipients) {
      const item: DeliveryItem = { ordering: row.ordering, event, isState: pdu.state_key !== undefined, push };
      if (redacted) item.redacted = redacted;
      if (userId === pdu.sender && row.txn_device && row.txn_id) item.txn = { deviceId: row.txn_device, txnId: row.txn_id };
      if (userId === target) {
        const membership = typeof pdu.content.membership === "string" ? pdu.content.membership : "leave";
        item.membership = membership;
        if (membership === "join") item.fullState = [...this.store.resolveIds(after).values()].map((e) => toClientEvent(e, roomId));
        if (membership === "invite" || membership === "knock") {
          item.strippedState = STRIPPED_STATE_TYPES.map((t) => after.get(stateKey(t, "")))
            .map((id) => (id ? this.store.getEvent(id) : undefined))
            .filter((e): e is PDU => e !== undefined)
            .map(toStrippedState);
          item.strippedState.push(toStrippedState(pdu));
        }
      }
      out.push([userId, item]);
    }
    return out;
  }

  /** The event as members see it: client format, with prev_content and redacted_because in unsigned. */
  private clientEventOf(row: EventRow, pdu: PDU, roomId: string, before: StateIdMap): ClientEvent {
    const unsigned: JsonObject = {};
    if (pdu.state_key !== undefined) {
      const prevId = before.get(stateKey(pdu.type, pdu.state_key));
      const prevEv = prevId ? this.store.getEvent(prevId) : undefined;
      if (prevEv) {
        unsigned.prev_content = prevEv.content;
        unsigned.replaces_state = prevEv.event_id;
        unsigned.prev_sender = prevEv.sender;
      }
    }
    if (row.redacted_by) unsigned.redacted_because = row.redacted_by;
    return toClientEvent(pdu, roomId, unsigned);
  }

  /** The client event of a row (undefined if its PDU is missing), as deliveriesFor builds it. */
  clientEvent(row: EventRow, roomId: string): ClientEvent | undefined {
    const pdu = this.store.getEvent(row.event_id);
    if (!pdu) return undefined;
    const before = row.state_group === null ? new Map<string, string>() : this.store.stateAtGroup(row.state_group);
    return this.clientEventOf(row, pdu, roomId, before);
  }

  /** The content of the state event (type, "") after the row's event, if any. */
  stateContentAfter(row: EventRow, type: string): JsonObject | undefined {
    if (row.state_group_after === null) return undefined;
    const id = this.store.stateAtGroup(row.state_group_after).get(stateKey(type, ""));
    return id ? this.store.getEvent(id)?.content : undefined;
  }

  /** The users joined after an event (cached per state group, like membersAndPower). */
  joinedAfter(row: EventRow, version: RoomVersion): string[] {
    const ids = row.state_group_after !== null ? this.store.stateAtGroup(row.state_group_after) : new Map<string, string>();
    return this.membersAndPower(row.state_group_after, ids, version).joined;
  }

  /**
   * Joined members and power levels of a state group. Every message in a stretch without state
   * changes shares one group, so this walks the member list once per group, not per message.
   */
  private membersAndPower(group: number | null, ids: StateIdMap, version: RoomVersion): { joined: string[]; power: RoomPower; notificationPowerLevels: Record<string, number> } {
    const cached = group !== null ? this.groupSummaries.get(group) : undefined;
    if (cached) return cached;
    const joined: string[] = [];
    for (const [k, id] of ids) {
      if (!k.startsWith("m.room.member\u0000")) continue;
      const ev = this.store.getEvent(id);
      if (ev?.content.membership === "join" && ev.state_key) joined.push(ev.state_key);
    }
    const pick = (type: string) => {
      const id = ids.get(stateKey(type, ""));
      return id ? this.store.getEvent(id) : undefined;
    };
    const power = roomPower({ create: pick("m.room.create"), powerLevels: pick("m.room.power_levels") }, version);
    const notificationPowerLevels: Record<string, number> = {};
    for (const [k, v] of power.levels.notifications) notificationPowerLevels[k] = v;
    if (!("room" in notificationPowerLevels)) notificationPowerLevels.room = 50;
    const summary = { joined, power, notificationPowerLevels };
    if (group !== null) {
      if (this.groupSummaries.size >= 32) this.groupSummaries.delete(this.groupSummaries.keys().next().value as number);
      this.groupSummaries.set(group, summary);
    }
    return summary;
  }
}
