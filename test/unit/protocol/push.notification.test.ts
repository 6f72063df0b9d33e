import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  badgeNotification,
  eventNotification,
  notificationDevice,
  notificationFormat,
  notifyRequestBody,
  pushPriority,
  type EventNotificationInput,
  type NotifiedEvent,
} from "../../../protocol/push/index.js";

/** push_notifier.yaml's request example. */
const SPEC_NOTIFY = {
  notification: {
    event_id: "$3957tyerfgewrf384",
    room_id: "!slw48wfj34rtnrf:example.com",
    type: "m.room.message",
    sender: "@exampleuser:matrix.org",
    sender_display_name: "Major Tom",
    room_name: "Mission Control",
    room_alias: "#exampleroom:matrix.org",
    prio: "high",
    content: { msgtype: "m.text", body: "I'm floating in a most peculiar way." },
    counts: { unread: 2, missed_calls: 1 },
    devices: [
      {
        app_id: "org.matrix.matrixConsole.ios",
        pushkey: "V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/",
        pushkey_ts: 12345678,
        data: {},
        tweaks: { sound: "bing" },
      },
    ],
  },
};

const SPEC_EVENT: NotifiedEvent = {
  event_id: "$3957tyerfgewrf384",
  room_id: "!slw48wfj34rtnrf:example.com",
  type: "m.room.message",
  sender: "@exampleuser:matrix.org",
  content: { msgtype: "m.text", body: "I'm floating in a most peculiar way." },
};

const SPEC_INPUT: EventNotificationInput = {
  event: SPEC_EVENT,
  format: "full",
  userId: "@alice:example.com",
  unread: 2,
  missedCalls: 1,
  senderDisplayName: "Major Tom",
  roomName: "Mission Control",
  roomAlias: "#exampleroom:matrix.org",
  roomEncrypted: false,
  tweaks: { sound: "bing" },
};

const { devices: _specDevices, ...SPEC_NOTIFICATION_WITHOUT_DEVICES } = SPEC_NOTIFY.notification;

/** An m.room.member event in "!r:example.com": `sender` changes `stateKey`'s membership. */
function memberEvent(eventId: string, sender: string, stateKey: string, content: NotifiedEvent["content"]): NotifiedEvent {
  return { event_id: eventId, room_id: "!r:example.com", type: "m.room.member", sender, state_key: stateKey, content };
}

describe("notificationFormat", () => {
  it("is event_id_only only for exactly that format", () => {
    assert.equal(notificationFormat({ url: "https://x/_matrix/push/v1/notify", format: "event_id_only" }), "event_id_only");
    assert.equal(notificationFormat({}), "full");
    assert.equal(notificationFormat({ format: "full" }), "full");
    assert.equal(notificationFormat({ format: "EVENT_ID_ONLY" }), "full");
    assert.equal(notificationFormat({ format: null }), "full");
  });
});

describe("pushPriority", () => {
  it("is high for messages, encrypted events, calls, stickers and polls", () => {
    for (const type of [
      "m.room.message",
      "m.room.encrypted",
      "m.call.invite",
      "m.sticker",
      "m.poll.start",
      "org.matrix.msc3381.poll.start",
    ]) {
      assert.equal(pushPriority(type, {}), "high", type);
    }
  });

  it("is low for other events without sound or highlight", () => {
    assert.equal(pushPriority("m.room.member", {}), "low");
    assert.equal(pushPriority("m.room.topic", { highlight: false }), "low");
    assert.equal(pushPriority("m.reaction", { sound: "" }), "low");
    assert.equal(pushPriority("m.room.name", { other: "x" }), "low");
  });

  it("is high for any event whose tweaks ask for a sound or a highlight", () => {
    assert.equal(pushPriority("m.room.member", { sound: "default" }), "high");
    assert.equal(pushPriority("m.room.topic", { highlight: true }), "high");
  });
});

describe("eventNotification: full format", () => {
  it("produces push_notifier.yaml's example notification (devices aside)", () => {
    assert.deepEqual(eventNotification(SPEC_INPUT), SPEC_NOTIFICATION_WITHOUT_DEVICES);
  });

  it("leaves out display names, room name and alias when not given, and missed_calls too", () => {
    const n = eventNotification({
      event: SPEC_EVENT,
      format: "full",
      userId: "@alice:example.com",
      unread: 0,
      roomEncrypted: false,
      tweaks: {},
    });
    assert.deepEqual(n, {
      event_id: SPEC_EVENT.event_id,
      room_id: SPEC_EVENT.room_id,
      type: "m.room.message",
      sender: SPEC_EVENT.sender,
      prio: "high",
      content: SPEC_EVENT.content,
      counts: { unread: 0 },
    });
  });

  it("omits a zero missed_calls count", () => {
    assert.deepEqual(eventNotification({ ...SPEC_INPUT, missedCalls: 0 }).counts, { unread: 2 });
  });

  it("never sends content from an encrypted room, even of a plaintext event", () => {
    const n = eventNotification({ ...SPEC_INPUT, roomEncrypted: true });
    assert.equal("content" in n, false);
    assert.equal(n.type, "m.room.message");
    assert.equal(n.sender_display_name, "Major Tom");
  });

  it("never sends the content of an m.room.encrypted event", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: { ...SPEC_EVENT, type: "m.room.encrypted", content: { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "abc" } },
      roomEncrypted: false,
      tweaks: {},
    });
    assert.equal("content" in n, false);
    assert.equal(n.prio, "high");
  });

  it("a low-priority event gets prio low", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: { ...SPEC_EVENT, type: "m.room.topic", state_key: "", content: { topic: "t" } },
      tweaks: {},
    });
    assert.equal(n.prio, "low");
    assert.deepEqual(n.content, { topic: "t" });
  });

  it("adds membership and user_is_target to a member event about the recipient", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: memberEvent("$invite", "@bob:example.com", "@alice:example.com", { membership: "invite", displayname: "Alice" }),
      missedCalls: undefined,
      tweaks: { sound: "default" },
    });
    assert.deepEqual(n, {
      event_id: "$invite",
      room_id: "!r:example.com",
      type: "m.room.member",
      sender: "@bob:example.com",
      sender_display_name: "Major Tom",
      room_name: "Mission Control",
      room_alias: "#exampleroom:matrix.org",
      prio: "high",
      content: { membership: "invite", displayname: "Alice" },
      membership: "invite",
      user_is_target: true,
      counts: { unread: 2 },
    });
  });

  it("user_is_target is false for someone else's member event", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: memberEvent("$join", "@carol:example.com", "@carol:example.com", { membership: "join" }),
      tweaks: {},
    });
    assert.equal(n.user_is_target, false);
    assert.equal(n.membership, "join");
    assert.equal(n.prio, "low");
  });

  it("member event in an encrypted room: no content, but membership and user_is_target", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: memberEvent("$invite", "@bob:example.com", "@alice:example.com", { membership: "invite" }),
      roomEncrypted: true,
    });
    assert.equal("content" in n, false);
    assert.equal(n.membership, "invite");
    assert.equal(n.user_is_target, true);
  });

  it("leaves out a membership that is not a string", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      event: { ...SPEC_EVENT, type: "m.room.member", state_key: "@alice:example.com", content: { membership: 5 } },
    });
    assert.equal("membership" in n, false);
    assert.equal(n.user_is_target, true);
  });

  it("an m.room.member event without a state_key is not a membership change", () => {
    const n = eventNotification({ ...SPEC_INPUT, event: { ...SPEC_EVENT, type: "m.room.member", content: { membership: "join" } } });
    assert.equal("membership" in n, false);
    assert.equal("user_is_target" in n, false);
  });
});

describe("eventNotification: event_id_only format", () => {
  it("sends exactly event_id, room_id, prio and counts", () => {
    assert.deepEqual(eventNotification({ ...SPEC_INPUT, format: "event_id_only" }), {
      event_id: "$3957tyerfgewrf384",
      room_id: "!slw48wfj34rtnrf:example.com",
      prio: "high",
      counts: { unread: 2, missed_calls: 1 },
    });
  });

  it("sends nothing more for a member event, and prio follows the event", () => {
    const n = eventNotification({
      ...SPEC_INPUT,
      format: "event_id_only",
      event: { ...SPEC_EVENT, type: "m.room.member", state_key: "@alice:example.com", content: { membership: "invite" } },
      missedCalls: undefined,
      tweaks: {},
    });
    assert.deepEqual(n, { event_id: SPEC_EVENT.event_id, room_id: SPEC_EVENT.room_id, prio: "low", counts: { unread: 2 } });
  });
});

describe("badgeNotification", () => {
  it("is the counts alone, with no event fields and no prio", () => {
    assert.deepEqual(badgeNotification(3), { counts: { unread: 3 } });
    assert.deepEqual(badgeNotification(0), { counts: { unread: 0 } });
  });
});

describe("notificationDevice", () => {
  it("forwards the pusher's data without url, format and custom keys kept", () => {
    const data = { url: "https://gw.example/_matrix/push/v1/notify", format: "event_id_only", custom: { k: [1] } };
    const d = notificationDevice({ app_id: "com.example", pushkey: "pk", pushkeyTsMs: 12345678999, data }, { sound: "bing" });
    assert.deepEqual(d, {
      app_id: "com.example",
      pushkey: "pk",
      pushkey_ts: 12345678,
      data: { format: "event_id_only", custom: { k: [1] } },
      tweaks: { sound: "bing" },
    });
    // The pusher's own data is untouched.
    assert.equal(data.url, "https://gw.example/_matrix/push/v1/notify");
  });

  it("data with only url becomes empty data", () => {
    const d = notificationDevice({ app_id: "a", pushkey: "p", pushkeyTsMs: 1000, data: { url: "https://gw/_matrix/push/v1/notify" } });
    assert.deepEqual(d.data, {});
    assert.equal(d.pushkey_ts, 1);
  });

  it("floors pushkey_ts to whole seconds", () => {
    assert.equal(notificationDevice({ app_id: "a", pushkey: "p", pushkeyTsMs: 1999, data: {} }).pushkey_ts, 1);
    assert.equal(notificationDevice({ app_id: "a", pushkey: "p", pushkeyTsMs: 0, data: {} }).pushkey_ts, 0);
  });

  it("has tweaks only when given and non-empty", () => {
    const p = { app_id: "a", pushkey: "p", pushkeyTsMs: 5000, data: {} };
    assert.equal("tweaks" in notificationDevice(p), false);
    assert.equal("tweaks" in notificationDevice(p, {}), false);
    assert.deepEqual(notificationDevice(p, { highlight: true }).tweaks, { highlight: true });
  });
});

describe("notifyRequestBody", () => {
  it("rebuilds push_notifier.yaml's example request", () => {
    const device = notificationDevice(
      {
        app_id: "org.matrix.matrixConsole.ios",
        pushkey: "V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/",
        pushkeyTsMs: 12345678_000,
        data: { url: "https://gw.example/_matrix/push/v1/notify" },
      },
      { sound: "bing" },
    );
    assert.deepEqual(notifyRequestBody(eventNotification(SPEC_INPUT), [device]), SPEC_NOTIFY);
  });

  it("a badge push carries devices without tweaks", () => {
    const device = notificationDevice({ app_id: "a", pushkey: "p", pushkeyTsMs: 2000, data: { format: "event_id_only" } });
    assert.deepEqual(notifyRequestBody(badgeNotification(4), [device]), {
      notification: {
        counts: { unread: 4 },
        devices: [{ app_id: "a", pushkey: "p", pushkey_ts: 2, data: { format: "event_id_only" } }],
      },
    });
  });

  it("does not change the notification it was given", () => {
    const n = badgeNotification(1);
    notifyRequestBody(n, []);
    assert.deepEqual(n, { counts: { unread: 1 } });
  });
});
