/**
 * The `pos` token of simplified sliding sync (MSC4186): `p<nonce>_<generation>`. The nonce names
 * one life of a (device, conn_id) connection in the UserDO, the generation one response of it.
 * Clients treat it as opaque; `/messages` also accepts it as a `from` (meaning "now"), like a
 * `/sync` next_batch. It lives here because both the Worker and the UserDO read it.
 */
export interface SlidingPos {
  nonce: string;
  gen: number;
}

export function formatSlidingPos(p: SlidingPos): string {
  return `p${p.nonce}_${p.gen}`;
}

export function parseSlidingPos(s: string): SlidingPos | undefined {
  const m = /^p([0-9a-f]{12})_(\d{1,15})$/.exec(s);
  return m ? { nonce: m[1], gen: Number(m[2]) } : undefined;
}
