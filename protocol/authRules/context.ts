/**
 * What every auth rule looks at, gathered once per event: the event, its room version, the
 * auth state (the event's auth events, or the room state before it), the create event and the
 * room's power, and membership look-ups in that state.
 */
import type { PDU, StateMap } from "../pdu.js";
import { stateKey } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { joinRuleOf, membershipOf } from "../membership.js";
import type { RoomPower } from "../powerLevels.js";
import { powerOf, roomPower } from "../powerLevels.js";

export interface AuthContext {
  event: PDU;
  version: RoomVersion;
  state: StateMap;
  create: PDU;
  /** The `m.room.power_levels` event in the auth state, if any. */
  powerLevelsEvent: PDU | undefined;
  power: RoomPower;
  /** A user's *current membership state* (`leave` when the state has no member event for them). */
  membership(userId: string): string;
  /** A user's *power level* (Infinity for v12 creators). */
  powerOf(userId: string): number;
  /** The room's join rule (`invite` when there is no join rules event). */
  joinRule: string;
}

export function authContext(event: PDU, state: StateMap, version: RoomVersion, create: PDU): AuthContext {
  const powerLevelsEvent = state.get(stateKey("m.room.power_levels", ""));
  const power = roomPower({ create, powerLevels: powerLevelsEvent }, version);
  return {
    event,
    version,
    state,
    create,
    powerLevelsEvent,
    power,
    membership: (userId) => membershipOf(userId, state),
    powerOf: (userId) => powerOf(userId, power),
    joinRule: joinRuleOf(state),
  };
}
