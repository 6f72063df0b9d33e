/**
 * The sender's power level "when looking at their respective auth_events", the first tie-break
 * of the reverse topological power ordering (rooms v2, v12). The power level itself is the auth
 * rules' definition (protocol/powerLevels.ts): v12 creators infinite, otherwise the power levels
 * event's `users` / `users_default`, or 100 for the creator when there is no power levels event.
 */
import type { PDU } from "../pdu.js";
import { powerOf, roomPower, type RoomPower } from "../powerLevels.js";
import type { RoomVersion } from "../roomVersions.js";
import type { ResolutionContext } from "./context.js";
import { createEventIdOfRoom } from "../authRules/roomId.js";

/** The create event an event is authorised against, if any can be found. */
export function createEventFor(event: PDU, version: RoomVersion, ctx: ResolutionContext): PDU | undefined {
  if (event.type === "m.room.create" && event.state_key === "") return event;
  if (version.roomIdIsCreateEventHash) {
    // v12: the create event is never in auth_events; the room ID is its event ID with sigil "!".
    if (typeof event.room_id === "string" && event.room_id.startsWith("!")) {
      return ctx.event(createEventIdOfRoom(event.room_id), `create event of ${event.event_id}`);
    }
    return undefined;
  }
  for (const aid of event.auth_events) {
    const a = ctx.event(aid, `auth event of ${event.event_id}`);
    if (a.type === "m.room.create" && a.state_key === "") return a;
  }
  return undefined;
}

/** Sender power levels for one resolution run; parsed power levels are shared between events. */
export class SenderPowerLevels {
  private readonly parsed = new Map<string, RoomPower>();

  constructor(private readonly version: RoomVersion, private readonly ctx: ResolutionContext) {}

  of(eventId: string): number {
    const event = this.ctx.event(eventId);
    const create = createEventFor(event, this.version, this.ctx);
    const plId = this.ctx.powerLevelsAuthEvent(eventId);
    const cacheKey = `${create?.event_id ?? ""}\u0000${plId ?? ""}`;
    let power = this.parsed.get(cacheKey);
    if (power === undefined) {
      const powerLevels = plId === null ? undefined : this.ctx.event(plId);
      power = roomPower({ create, powerLevels }, this.version);
      this.parsed.set(cacheKey, power);
    }
    return powerOf(event.sender, power);
  }
}
