/**
 * The event types whose arrival bumps a room's `bump_stamp` (MSC4186, "RoomResult"): "proper"
 * activity, which excludes state changes such as a member updating a display name.
 */
export const BUMP_EVENT_TYPES: readonly string[] = [
  "m.room.create",
  "m.room.message",
  "m.room.encrypted",
  "m.sticker",
  "m.call.invite",
  "m.poll.start",
  "m.beacon_info",
];

export function isBumpEvent(type: string): boolean {
  return BUMP_EVENT_TYPES.includes(type);
}
