import { forbidden, notFound } from "../../platform/errors.js";
import type { Env } from "../../platform/env.js";
import type { JsonObject } from "../../protocol/json.js";
import { isFromServer, serverNameOf } from "../../protocol/identifiers.js";
import { userStub, remoteStub } from "../../platform/stubs.js";
import type { EventStore } from "./eventStore.js";
import type { ReceiptStore } from "./receiptStore.js";
import type { RoomState } from "./roomState.js";
import { TypingTracker, REMOTE_TYPING_MS } from "./typing.js";
import { scheduleAlarm } from "./alarm.js";

/**
 * A room's ephemeral events (spec: "Typing Notifications", "Receipts"): who is typing, kept in
 * memory, and read receipts, kept in the receipt store; each change goes to the local members'
 * UserDOs and, for m.typing and m.read, as an EDU to the other servers in the room.
 */
export class Ephemeral {
  private typing = new TypingTracker();

  constructor(
    private env: Env,
    private storage: DurableObjectStorage,
    private events: EventStore,
    private receipts: ReceiptStore,
    private state: RoomState,
  ) {}

  /** Spec: PUT /rooms/{roomId}/typing/{userId}: local typing, shown to members and other servers. */
  async setTyping(roomId: string, userId: string, typing: boolean, timeoutMs: number): Promise<void> {
    if (this.state.membership(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    if (!this.typing.set(userId, typing, timeoutMs, Date.now())) return;
    await this.scheduleTypingExpiry();
    await this.pushTyping(roomId);
    await this.sendEdu({ edu_type: "m.typing", content: { room_id: roomId, user_id: userId, typing } });
  }

  private async scheduleTypingExpiry(): Promise<void> {
    const next = this.typing.nextExpiry();
    if (next !== undefined) await scheduleAlarm(this.storage, next);
  }

  private async sendEdu(edu: JsonObject): Promise<void> {
    await Promise.all(this.state.remoteServers().map((server) => remoteStub(this.env, server).queueEdus([edu])));
  }

  /** A typing EDU from another server (spec: m.typing). Remote typing lasts 30 s unless renewed. */
  async remoteTyping(roomId: string, userId: string, typing: boolean): Promise<void> {
    if (this.state.membership(userId) !== "join" || !this.state.serverAllowed(serverNameOf(userId))) return;
    if (!this.typing.set(userId, typing, REMOTE_TYPING_MS, Date.now())) return;
    await this.scheduleTypingExpiry();
    await this.pushTyping(roomId);
  }

  /** Receipt EDUs from another server (spec: m.receipt), for its own joined users only. */
  async remoteReceipts(roomId: string, origin: string, byType: JsonObject): Promise<void> {
    if (!this.state.serverAllowed(origin)) return;
    for (const [receiptType, byUser] of Object.entries(byType)) {
      if (receiptType !== "m.read" || !byUser || typeof byUser !== "object" || Array.isArray(byUser)) continue;
      for (const [userId, receipt] of Object.entries(byUser)) {
        // isFromServer, not serverNameOf: a malformed ID is skipped, not a throw that drops the rest.
        if (!isFromServer(userId, origin) || this.state.membership(userId) !== "join") continue;
        if (!receipt || typeof receipt !== "object" || Array.isArray(receipt)) continue;
        const ids = receipt.event_ids;
        const data = receipt.data && typeof receipt.data === "object" && !Array.isArray(receipt.data) ? receipt.data : {};
        if (!Array.isArray(ids) || typeof ids[0] !== "string") continue;
        const eventId = ids[0];
        const ts = typeof data.ts === "number" ? data.ts : Date.now();
        const threadId = typeof data.thread_id === "string" ? data.thread_id : "";
        this.receipts.put(userId, receiptType, threadId, eventId, ts);
        const r: JsonObject = { ts };
        if (threadId) r.thread_id = threadId;
        const content: JsonObject = { [eventId]: { [receiptType]: { [userId]: r } } };
        await Promise.all(this.state.localJoined().map((u) => userStub(this.env, u).addReceipt(roomId, content)));
      }
    }
  }

  /** Ends the typing that timed out (the alarm calls this); `roomId` is undefined before the room exists. */
  async expireTyping(roomId: string | undefined): Promise<void> {
    if (this.typing.expire(Date.now()) && roomId) await this.pushTyping(roomId);
    await this.scheduleTypingExpiry();
  }

  private async pushTyping(roomId: string): Promise<void> {
    const content = { user_ids: this.typing.userIds() };
    await Promise.all(this.state.localJoined().map((u) => userStub(this.env, u).setRoomEphemeral(roomId, "m.typing", content)));
  }

  /** Spec: POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. */
  async setReceipt(roomId: string, userId: string, receiptType: string, eventId: string, threadId: string | undefined): Promise<void> {
    if (this.state.membership(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    const row = this.events.getRow(eventId);
    if (!row) throw notFound("Event not found");
    const ts = Date.now();
    this.receipts.put(userId, receiptType, threadId ?? "", eventId, ts);
    const receipt: JsonObject = { ts };
    if (threadId) receipt.thread_id = threadId;
    const content: JsonObject = { [eventId]: { [receiptType]: { [userId]: receipt } } };
    // Private receipts go only to their owner (spec: m.read.private).
    const recipients = receiptType === "m.read.private" ? [userId] : this.state.localJoined();
    if (receiptType === "m.read") {
      const data: JsonObject = { ts };
      if (threadId) data.thread_id = threadId;
      await this.sendEdu({ edu_type: "m.receipt", content: { [roomId]: { "m.read": { [userId]: { event_ids: [eventId], data } } } } });
    }
    await Promise.all(recipients.map((u) => userStub(this.env, u).addReceipt(roomId, content, u === userId ? { eventId, ordering: row.ordering } : undefined)));
  }
}
