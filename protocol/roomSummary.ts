/**
 * A joined room's `summary` in /sync (spec: GET /sync, RoomSummary): the member counts and the
 * heroes a client names an unnamed room after.
 */

/** One m.room.member state entry: whose, which membership, and when it was set (stream order). */
export interface MemberEntry {
  userId: string;
  membership: string;
  /** Stream position the membership was set at (the order heroes are picked in). */
  pos: number;
  /** Tie-break between entries set together (a joining user's copy of the state): the event's origin_server_ts. */
  ts: number;
}

export type RoomSummary = {
  "m.heroes"?: string[];
  "m.joined_member_count": number;
  "m.invited_member_count": number;
};

/** At most this many heroes (the spec: "the first 5 members"). */
export const MAX_HEROES = 5;

/**
 * Heroes: the first 5 joined members other than the user then the invited ones, each by stream
 * ordering of their membership; when there are none, those who left then those banned (the spec's
 * rule, in Synapse's order).
 */
export function heroesOf(members: readonly MemberEntry[], userId: string): string[] {
  const sorted = [...members].filter((m) => m.userId !== userId).sort((a, b) => a.pos - b.pos || a.ts - b.ts || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const having = (membership: string) => sorted.filter((m) => m.membership === membership).map((m) => m.userId);
  const current = [...having("join"), ...having("invite")];
  return (current.length > 0 ? current : [...having("leave"), ...having("ban")]).slice(0, MAX_HEROES);
}

/**
 * The summary. Heroes are only needed to name a room without a name or canonical alias (the
 * spec makes them required only then); as Synapse, a named room's summary leaves them out.
 */
export function roomSummary(members: readonly MemberEntry[], userId: string, named: boolean): RoomSummary {
  let joined = 0;
  let invited = 0;
  for (const m of members) {
    if (m.membership === "join") joined++;
    else if (m.membership === "invite") invited++;
  }
  const summary: RoomSummary = { "m.joined_member_count": joined, "m.invited_member_count": invited };
  if (!named) summary["m.heroes"] = heroesOf(members, userId);
  return summary;
}

/** Whether the room has a non-empty m.room.name or m.room.canonical_alias (then clients need no heroes). */
export function isNamed(name: { name?: unknown } | undefined, canonicalAlias: { alias?: unknown } | undefined): boolean {
  return (typeof name?.name === "string" && name.name !== "") || (typeof canonicalAlias?.alias === "string" && canonicalAlias.alias !== "");
}
