/**
 * Part of the RPC contract between RoomDO and UserDO (UserRpc.deliverRoomEvents): the room
 * builds these items, the user's object stores them in its sync stream.
 */
import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";

/**
 * What a RoomDO hands to a member's UserDO when something in the room changes for them. Kept in
 * one place because it is the contract between the two objects.
 */
export interface DeliveryItem {
  /** The room's stream ordering of the event: pagination tokens point into it. */
  ordering: number;
  event: ClientEvent;
  /** Set only for the sending user's own UserDO, so sync can add unsigned.transaction_id. */
  txn?: { deviceId: string; txnId: string };
  isState: boolean;
  /** The recipient's membership after this event, when the event changes it. */
  membership?: string;
  /** For the recipient's own join: the whole room state after the event. */
  fullState?: ClientEvent[];
  /** For invites and knocks: stripped state of the room. */
  strippedState?: JsonObject[];
  /** For redactions: the redacted form of the target, which replaces the stored copy. */
  redacted?: ClientEvent;
  /** Inputs of push-rule evaluation that only the room knows. */
  push: PushContext;
}

export interface PushContext {
  memberCount: number;
  senderPowerLevel: number;
  notificationPowerLevels: Record<string, number>;
  senderDisplayName?: string;
}
