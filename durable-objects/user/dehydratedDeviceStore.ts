import type { JsonObject } from "../../protocol/json.js";
import type { DehydratedDevice } from "../../platform/rpc/user.js";

/**
 * The row that makes one of the user's devices the dehydrated device (table `dehydrated_device`,
 * at most one row, MSC3814): the device's ID and the data a new login needs to rehydrate it.
 * The device itself lives in the account store. This store is the table's only writer.
 */
export class DehydratedDeviceStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The dehydrated device, if its device still exists (a deleted device counts as none). */
  current(): DehydratedDevice | undefined {
    const row = this.sql
      .exec<{ device_id: string; device_data: string }>(
        "SELECT h.device_id, h.device_data FROM dehydrated_device h JOIN devices d ON d.device_id = h.device_id WHERE h.id = 1",
      )
      .toArray()[0];
    return row ? { device_id: row.device_id, device_data: JSON.parse(row.device_data) as JsonObject } : undefined;
  }

  /** The device ID the row names, whether or not that device still exists. */
  recordedDeviceId(): string | undefined {
    return this.sql.exec<{ device_id: string }>("SELECT device_id FROM dehydrated_device WHERE id = 1").toArray()[0]?.device_id;
  }

  clear(): void {
    this.sql.exec("DELETE FROM dehydrated_device WHERE id = 1");
  }

  /** Records the dehydrated device (call after clear: there is at most one). */
  set(deviceId: string, deviceData: JsonObject): void {
    this.sql.exec("INSERT INTO dehydrated_device (id, device_id, device_data) VALUES (1, ?, ?)", deviceId, JSON.stringify(deviceData));
  }
}
