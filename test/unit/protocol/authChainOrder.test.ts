/** Ordering a received batch of events by their auth events, never by the depth a server gave them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { orderByAuthEvents, orderByPrevAndAuthEvents, type AuthOrderItem } from "../../../protocol/authChainOrder.js";

const ev = (event_id: string, depth: number, auth_events: string[] = []): AuthOrderItem => ({ event_id, depth, auth_events });

const create = ev("$create", 1);
const join = ev("$join", 2, ["$create"]);
// Synapse 1.67: power levels at the join's depth, citing the join.
const pl = ev("$aaa_pl", 2, ["$create", "$join"]);
const rules = ev("$rules", 3, ["$create", "$aaa_pl", "$join"]);
const name = ev("$name", 4, ["$create", "$aaa_pl", "$join"]);

const ids = (items: AuthOrderItem[]) => items.map((i) => i.event_id);

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

test("an event comes after the events it cites even when they share its depth and sort after it by ID", () => {
  assert.deepEqual(ids(orderByAuthEvents([pl, join, create])), ["$create", "$join", "$aaa_pl"]);
});

test("every arrival order gives the same order, each event after its auth events", () => {
  const expected = ["$create", "$join", "$aaa_pl", "$rules", "$name"];
  for (const p of permutations([create, join, pl, rules, name])) assert.deepEqual(ids(orderByAuthEvents(p)), expected);
});

test("events ready together go by depth, then event ID, whatever depth their auth events claim", () => {
  // A lying server: the member event claims depth 0, under the create event it cites.
  const low = ev("$low", 0, ["$create"]);
  const b = ev("$b", 5, ["$create"]);
  const a = ev("$a", 5, ["$create"]);
  assert.deepEqual(ids(orderByAuthEvents([b, a, low, create])), ["$create", "$low", "$a", "$b"]);
});

test("auth events outside the batch don't hold an event back", () => {
  const x = ev("$x", 9, ["$stored_elsewhere"]);
  const y = ev("$y", 3, ["$x"]);
  assert.deepEqual(ids(orderByAuthEvents([y, x])), ["$x", "$y"]);
});

test("a second copy of an event is dropped, a self-citation is ignored", () => {
  const self = ev("$self", 2, ["$self", "$create"]);
  assert.deepEqual(ids(orderByAuthEvents([self, create, create])), ["$create", "$self"]);
});

test("a cycle doesn't crash or lose events: its events come last, in tie-break order", () => {
  const c1 = ev("$c1", 3, ["$c2"]);
  const c2 = ev("$c2", 2, ["$c1"]);
  const after = ev("$after", 4, ["$c1"]);
  assert.deepEqual(ids(orderByAuthEvents([after, c1, c2, create])), ["$create", "$c2", "$c1", "$after"]);
});

test("a long chain in reverse is ordered in full", () => {
  const chain = Array.from({ length: 5000 }, (_, i) => ev(`$e${i}`, 1, i === 0 ? [] : [`$e${i - 1}`]));
  const out = orderByAuthEvents([...chain].reverse());
  assert.deepEqual(ids(out), ids(chain));
});

test("a batch of room events is ordered by prev_events and auth_events together, whatever depths they claim", () => {
  // m1 <- m2 <- m3 by prev_events, with depths that say the opposite; m3 also cites a member
  // event of the batch that m1 builds on.
  const member = { ...ev("$member", 50), prev_events: [] };
  const m1 = { ...ev("$m1", 30, ["$member"]), prev_events: ["$member"] };
  const m2 = { ...ev("$m2", 20), prev_events: ["$m1"] };
  const m3 = { ...ev("$m3", 10, ["$member"]), prev_events: ["$m2", "$outside"] };
  for (const p of permutations([m3, m2, m1, member])) assert.deepEqual(ids(orderByPrevAndAuthEvents(p)), ["$member", "$m1", "$m2", "$m3"]);
  // Unrelated events still go by depth, then ID.
  const a = { ...ev("$a", 2), prev_events: [] };
  const b = { ...ev("$b", 1), prev_events: [] };
  assert.deepEqual(ids(orderByPrevAndAuthEvents([a, b])), ["$b", "$a"]);
});
