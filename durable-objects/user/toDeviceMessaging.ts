import type { JsonObject } from "../../protocol/json.js";
import type { StreamStore } from "./streamStore.js";
import type { ToDeviceStore } from "./toDeviceStore.js";

/**
 * Send-to-device messaging (spec: send_to_device.md): each device's inbox of messages, which stay
 * until the device acknowledges them with its next sync token (user/liveSync.ts deletes them).
 */

/** Stores one sender's messages for the given devices of this user ('*' = all of them); returns how many. */
export function deliver(toDevice: ToDeviceStore, stream: StreamStore, devices: string[], sender: string, type: string, messages: Record<string, JsonObject>): number {
  let n = 0;
  for (const [target, content] of Object.entries(messages)) {
    const ids = target === "*" ? devices : devices.includes(target) ? [target] : [];
    const json = JSON.stringify({ sender, type, content });
    for (const id of ids) {
      toDevice.add(id, json);
      n++;
    }
  }
  // A stream row, so a /sync parking right now sees that something arrived.
  if (n > 0) stream.append("to_device", null, null, {}, null, 0, 0);
  return n;
}
