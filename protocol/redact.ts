/**
 * The redaction algorithm (spec: rooms/fragments/v1-redactions.md, v6-redactions.md,
 * rooms/v8.md "Redactions", v9-redactions.md, v11-redactions.md).
 *
 * Redaction keeps only the keys the protocol needs, so an event stays usable for authorisation
 * and its signatures still verify after its content is removed. Signatures and reference hashes
 * are computed over the redacted form, which is why every room version must agree on it exactly.
 *
 * Which variant applies is `RoomVersion.redaction`:
 *   v1  room versions 1–5    (m.room.aliases keeps `aliases`)
 *   v6  room versions 6–7    (no special case for m.room.aliases)
 *   v8  room version 8       (m.room.join_rules keeps `allow`)
 *   v9  room versions 9–10   (m.room.member keeps `join_authorised_via_users_server`)
 *   v11 room versions 11+    (fewer top-level keys; create keeps all content; power levels keep
 *                             `invite`; redaction keeps `redacts`; third_party_invite.signed)
 */
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import type { PDU } from "./pdu.js";
import type { RoomVersion } from "./roomVersions.js";

type RedactionAlgorithm = RoomVersion["redaction"];

/** Top-level keys kept by room versions 1–10. */
const TOP_LEVEL_KEYS_V1: ReadonlySet<string> = new Set([
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "prev_state",
  "auth_events",
  "origin",
  "origin_server_ts",
  "membership",
]);

/** Room version 11 stops protecting `origin`, `membership` and `prev_state`. */
const TOP_LEVEL_KEYS_V11: ReadonlySet<string> = new Set(
  [...TOP_LEVEL_KEYS_V1].filter((k) => k !== "origin" && k !== "membership" && k !== "prev_state"),
);

const POWER_LEVELS_KEYS = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];

/** Content keys kept per event type, for each algorithm (the "all keys" case is handled apart). */
const CONTENT_KEYS: Record<RedactionAlgorithm, Readonly<Record<string, readonly string[]>>> = {
  v1: {
    "m.room.member": ["membership"],
    "m.room.create": ["creator"],
    "m.room.join_rules": ["join_rule"],
    "m.room.power_levels": POWER_LEVELS_KEYS,
    "m.room.aliases": ["aliases"],
    "m.room.history_visibility": ["history_visibility"],
  },
  v6: {
    "m.room.member": ["membership"],
    "m.room.create": ["creator"],
    "m.room.join_rules": ["join_rule"],
    "m.room.power_levels": POWER_LEVELS_KEYS,
    "m.room.history_visibility": ["history_visibility"],
  },
  v8: {
    "m.room.member": ["membership"],
    "m.room.create": ["creator"],
    "m.room.join_rules": ["join_rule", "allow"],
    "m.room.power_levels": POWER_LEVELS_KEYS,
    "m.room.history_visibility": ["history_visibility"],
  },
  v9: {
    "m.room.member": ["membership", "join_authorised_via_users_server"],
    "m.room.create": ["creator"],
    "m.room.join_rules": ["join_rule", "allow"],
    "m.room.power_levels": POWER_LEVELS_KEYS,
    "m.room.history_visibility": ["history_visibility"],
  },
  v11: {
    // m.room.member additionally keeps third_party_invite.signed; see redactContent.
    "m.room.member": ["membership", "join_authorised_via_users_server"],
    "m.room.join_rules": ["join_rule", "allow"],
    "m.room.power_levels": [...POWER_LEVELS_KEYS, "invite"],
    "m.room.history_visibility": ["history_visibility"],
    "m.room.redaction": ["redacts"],
  },
};

/**
 * Key under which `fromWireFormat` keeps a room version 1–2 event's `[event_id, {sha256}]`
 * tuples as received (see wireFormat.ts). It is Lattice's flattened representation of
 * `prev_events`/`auth_events` rather than an event key, so redaction keeps it for those versions.
 */
export const WIRE_REFERENCE_HASHES_KEY = "lattice.wire_reference_hashes";

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function redactContent(type: unknown, content: unknown, algorithm: RedactionAlgorithm): JsonObject {
  if (!isJsonObject(content)) return {};
  if (type === "m.room.create" && algorithm === "v11") return { ...content };
  if (typeof type !== "string" || !hasOwn(CONTENT_KEYS[algorithm], type)) return {};
  const kept: [string, JsonValue][] = [];
  for (const key of CONTENT_KEYS[algorithm][type]) {
    if (hasOwn(content, key)) kept.push([key, content[key]]);
  }
  if (algorithm === "v11" && type === "m.room.member") {
    const invite = hasOwn(content, "third_party_invite") ? content.third_party_invite : undefined;
    if (isJsonObject(invite) && hasOwn(invite, "signed")) {
      kept.push(["third_party_invite", { signed: invite.signed }]);
    }
  }
  return Object.fromEntries(kept);
}

/**
 * Returns the redacted copy of `event` under `version`'s algorithm. Works on a `PDU` and on any
 * plain event object (wire form, client form): keys outside the protocol list are dropped,
 * `content` is cut down to what the event type keeps (a missing or non-object `content` becomes
 * `{}`), and `unsigned` goes too, as the algorithm lists no exception for it.
 *
 * The input is not modified; kept values are shared with it, so treat both as immutable.
 */
export function redact(event: PDU, version: RoomVersion): PDU;
export function redact(event: JsonObject, version: RoomVersion): JsonObject;
export function redact(event: PDU | JsonObject, version: RoomVersion): PDU | JsonObject {
  const algorithm = version.redaction;
  const topLevel = algorithm === "v11" ? TOP_LEVEL_KEYS_V11 : TOP_LEVEL_KEYS_V1;
  const kept: [string, unknown][] = [];
  for (const key of Object.keys(event)) {
    if (topLevel.has(key)) {
      kept.push([key, key === "content" ? redactContent(event.type, event.content, algorithm) : event[key]]);
    } else if (key === WIRE_REFERENCE_HASHES_KEY && version.eventIdFormat === "v1") {
      kept.push([key, event[key]]);
    }
  }
  const out = Object.fromEntries(kept) as PDU | JsonObject;
  if (!hasOwn(out, "content")) out.content = {};
  return out;
}
