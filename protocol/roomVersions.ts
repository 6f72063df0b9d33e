/**
 * The properties of each room version that the algorithms branch on
 * (spec: content/rooms/v1.md … v12.md). Every algorithm asks these flags, never the version string.
 */
export interface RoomVersion {
  id: string;
  /** v1–2: `$random:server`; v3: reference hash, standard base64; v4+: URL-safe base64. */
  eventIdFormat: "v1" | "v3" | "v4";
  /** v1 for room version 1, v2 for 2–11, v2.1 for 12+. */
  stateResolution: "v1" | "v2" | "v2.1";
  /** Which redaction algorithm (the fragments/v*-redactions.md pages). */
  redaction: "v1" | "v6" | "v8" | "v9" | "v11";
  /** v5+: a signing key must be valid at the event's origin_server_ts. */
  enforceKeyValidity: boolean;
  /** v1–5: m.room.aliases has its own auth rule. */
  specialCaseAliasesAuth: boolean;
  /** v6+: canonical JSON is strict (integers only within ±(2^53−1)). */
  strictCanonicalJson: boolean;
  /** v6+: `notifications` power levels are checked by the power-levels auth rule. */
  limitNotificationsPowerLevels: boolean;
  /** v7+: the knock join rule and membership. */
  knock: boolean;
  /** v8+: the restricted join rule. */
  restrictedJoin: boolean;
  /** v10+: the knock_restricted join rule. */
  knockRestrictedJoin: boolean;
  /** v10+: power level values must be integers (no strings). */
  integerPowerLevels: boolean;
  /** v11+: the room creator is the create event's sender (no `creator` key); `redacts` lives in content. */
  v11EventFormat: boolean;
  /** v12+: room ID is the create event's reference hash; the create event is never in auth_events. */
  roomIdIsCreateEventHash: boolean;
  /** v12+: creators (create sender + additional_creators) have infinite power. */
  privilegedCreators: boolean;
}

const v1: RoomVersion = {
  id: "1",
  eventIdFormat: "v1",
  stateResolution: "v1",
  redaction: "v1",
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knock: false,
  restrictedJoin: false,
  knockRestrictedJoin: false,
  integerPowerLevels: false,
  v11EventFormat: false,
  roomIdIsCreateEventHash: false,
  privilegedCreators: false,
};
const v2: RoomVersion = { ...v1, id: "2", stateResolution: "v2" };
const v3: RoomVersion = { ...v2, id: "3", eventIdFormat: "v3" };
const v4: RoomVersion = { ...v3, id: "4", eventIdFormat: "v4" };
const v5: RoomVersion = { ...v4, id: "5", enforceKeyValidity: true };
const v6: RoomVersion = {
  ...v5,
  id: "6",
  redaction: "v6",
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
};
const v7: RoomVersion = { ...v6, id: "7", knock: true };
const v8: RoomVersion = { ...v7, id: "8", redaction: "v8", restrictedJoin: true };
const v9: RoomVersion = { ...v8, id: "9", redaction: "v9" };
const v10: RoomVersion = { ...v9, id: "10", knockRestrictedJoin: true, integerPowerLevels: true };
const v11: RoomVersion = { ...v10, id: "11", redaction: "v11", v11EventFormat: true };
const v12: RoomVersion = {
  ...v11,
  id: "12",
  stateResolution: "v2.1",
  roomIdIsCreateEventHash: true,
  privilegedCreators: true,
};

export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12].map((v) => [v.id, v]),
);

export const DEFAULT_ROOM_VERSION = "12";

export function getRoomVersion(id: string): RoomVersion | undefined {
  return ROOM_VERSIONS.get(id);
}
