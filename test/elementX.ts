/**
 * What Element X (matrix-rust-sdk) sends to simplified sliding sync, shared by the unit tests,
 * the end-to-end tests and the benchmark. From matrix-rust-sdk's room list service (as its
 * integration test `test_sync_all_states` shows the first "room-list" request).
 */

/** The required_state of Element X's "all_rooms" list, in the pair form. */
export const ELEMENT_X_ROOM_LIST_STATE: string[][] = [
  ["m.room.name", ""],
  ["m.room.encryption", ""],
  ["m.room.member", "$LAZY"],
  ["m.room.member", "$ME"],
  ["m.room.topic", ""],
  ["m.room.avatar", ""],
  ["m.room.canonical_alias", ""],
  ["m.room.power_levels", ""],
  ["org.matrix.msc3401.call.member", "*"],
  ["m.room.join_rules", ""],
  ["m.room.tombstone", ""],
  ["m.room.create", ""],
  ["m.room.history_visibility", ""],
  ["io.element.functional_members", ""],
  ["m.space.parent", "*"],
  ["m.space.child", "*"],
  ["org.matrix.msc3672.beacon_info", "*"],
];

/** The unstable path the clients call. */
export const SLIDING_SYNC_PATH = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";
