import { test } from "node:test";
import assert from "node:assert/strict";
import { noteSeen, LAST_SEEN_GRANULARITY_MS, type LastSeen, type SeenWriter } from "../../../durable-objects/user/lastSeen.js";

/** A stand-in for the account store that records the writes it is asked for: [ts, ip, device]. */
function recordingWriter(): { writer: SeenWriter; writes: unknown[][] } {
  const writes: unknown[][] = [];
  const writer: SeenWriter = { recordSeen: (deviceId, ts, ip) => writes.push([ts, ip, deviceId]) };
  return { writer, writes };
}

const T0 = 1_700_000_000_000;

test("a request from the recorded address within the granularity writes nothing", () => {
  const { writer, writes } = recordingWriter();
  const seen: LastSeen = { last_seen_ts: T0, last_seen_ip: "203.0.113.7" };
  noteSeen(writer, "DEV", seen, "203.0.113.7", T0 + LAST_SEEN_GRANULARITY_MS - 1);
  noteSeen(writer, "DEV", seen, undefined, T0 + 1);
  assert.equal(writes.length, 0);
});

test("a new address, a stale time or a never-seen device is written, with the address when known", () => {
  const { writer, writes } = recordingWriter();
  noteSeen(writer, "DEV", { last_seen_ts: T0, last_seen_ip: "203.0.113.7" }, "198.51.100.1", T0 + 1);
  noteSeen(writer, "DEV", { last_seen_ts: T0, last_seen_ip: "203.0.113.7" }, "203.0.113.7", T0 + LAST_SEEN_GRANULARITY_MS);
  noteSeen(writer, "DEV", { last_seen_ts: null, last_seen_ip: null }, undefined, T0);
  assert.deepEqual(
    writes,
    [
      [T0 + 1, "198.51.100.1", "DEV"],
      [T0 + LAST_SEEN_GRANULARITY_MS, "203.0.113.7", "DEV"],
      [T0, null, "DEV"],
    ],
  );
});
