/**
 * Spec definition "Mainline ordering" (rooms v2, v12).
 *
 * The mainline of a power levels event P = P0 is [P0, P1, …, Pn], each P(i+1) being the
 * m.room.power_levels event in the auth_events of P(i). The mainline position of another event
 * e is the index i of the first event of e's own power-levels chain [e1, e2, …] (e itself not
 * included) that lies on the mainline, or ∞ if none does. Events are ordered by *greater*
 * position first (∞ first), then smaller origin_server_ts, then smaller event_id.
 *
 * Positions are memoised per power levels event, so sorting n events whose power-levels chains
 * share history costs O(n + chain length) lookups plus the sort.
 */
import { compareStrings, type ResolutionContext } from "./context.js";

/** The mainline of a power levels event, as event ID → index (P0 → 0). */
export function mainlineOf(powerLevelsId: string | undefined, ctx: ResolutionContext): Map<string, number> {
  const mainline = new Map<string, number>();
  let p: string | null = powerLevelsId ?? null;
  while (p !== null && !mainline.has(p)) {
    mainline.set(p, mainline.size);
    p = ctx.powerLevelsAuthEvent(p);
  }
  return mainline;
}

/** Computes mainline positions against one mainline, memoising along power-levels chains. */
export class MainlinePositions {
  private readonly memo = new Map<string, number>();

  constructor(private readonly mainline: ReadonlyMap<string, number>, private readonly ctx: ResolutionContext) {}

  /** The mainline position of `eventId` (Infinity when its chain never meets the mainline). */
  position(eventId: string): number {
    return this.positionFromPowerLevels(this.ctx.powerLevelsAuthEvent(eventId));
  }

  /** Position given e1, the first power levels event of the chain (null: empty chain). */
  private positionFromPowerLevels(first: string | null): number {
    const path = new Set<string>();
    let p = first;
    let pos = Infinity;
    while (p !== null) {
      const onMainline = this.mainline.get(p);
      if (onMainline !== undefined) {
        pos = onMainline;
        break;
      }
      const known = this.memo.get(p);
      if (known !== undefined) {
        pos = known;
        break;
      }
      if (path.has(p)) throw new Error(`state resolution: auth_events cycle through ${p}`);
      path.add(p);
      p = this.ctx.powerLevelsAuthEvent(p);
    }
    // Every event walked past shares the answer: its own chain meets the mainline at the same place.
    for (const q of path) this.memo.set(q, pos);
    return pos;
  }
}

export function mainlineSort(
  eventIds: Iterable<string>,
  powerLevelsId: string | undefined,
  ctx: ResolutionContext,
): string[] {
  const positions = new MainlinePositions(mainlineOf(powerLevelsId, ctx), ctx);
  const keyed = [...eventIds].map((id) => ({
    id,
    pos: positions.position(id),
    ts: ctx.event(id).origin_server_ts,
  }));
  keyed.sort((x, y) => {
    if (x.pos !== y.pos) return x.pos > y.pos ? -1 : 1;
    if (x.ts !== y.ts) return x.ts < y.ts ? -1 : 1;
    return compareStrings(x.id, y.id);
  });
  return keyed.map((k) => k.id);
}
