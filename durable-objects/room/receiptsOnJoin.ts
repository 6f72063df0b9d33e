import type { Env } from "../../platform/env.js";
import type { JsonObject } from "../../protocol/json.js";
import type { DeliveryItem } from "../../platform/rpc/delivery.js";
import { userStub } from "../../platform/stubs.js";
import type { ReceiptRow, ReceiptStore } from "./receiptStore.js";

/**
 * Receipts for a member who just joined (spec: client-server-api "Receipts"; Synapse's sync shows
 * a room's current receipts to a user who joins it): receipts reach a user's stream only while
 * they are a member, so the ones made before the join are handed over with it, as one m.receipt.
 */

/** The most receipts handed over on a join: a big room's oldest ones matter least. */
const MAX_RECEIPTS_ON_JOIN = 1000;

/** Whether a delivery makes its recipient a member (a profile change of a member does not). */
function joins(item: DeliveryItem): boolean {
  if (item.membership !== "join") return false;
  const prev = item.event.unsigned?.prev_content;
  return !(prev && typeof prev === "object" && !Array.isArray(prev) && prev.membership === "join");
}

/** m.receipt content of `rows` as `userId` may see them: others' private receipts are left out. */
export function receiptContentFor(rows: ReceiptRow[], userId: string): JsonObject {
  const out: Record<string, Record<string, Record<string, JsonObject>>> = {};
  for (const r of rows) {
    if (r.receipt_type === "m.read.private" && r.user_id !== userId) continue;
    const receipt: JsonObject = { ts: r.ts };
    if (r.thread_id) receipt.thread_id = r.thread_id;
    ((out[r.event_id] ??= {})[r.receipt_type] ??= {})[r.user_id] = receipt;
  }
  return out as unknown as JsonObject;
}

/** After a fan-out round: each local user it made a member gets the room's current receipts. */
export async function sendReceiptsToJoiners(env: Env, receipts: ReceiptStore, roomId: string, perUser: Map<string, DeliveryItem[]>): Promise<void> {
  const joiners = [...perUser].filter(([, items]) => items.some(joins)).map(([userId]) => userId);
  if (joiners.length === 0) return;
  const rows = receipts.latest(MAX_RECEIPTS_ON_JOIN);
  await Promise.all(
    joiners.map(async (userId) => {
      const content = receiptContentFor(rows, userId);
      if (Object.keys(content).length > 0) await userStub(env, userId).addReceipt(roomId, content);
    }),
  );
}
