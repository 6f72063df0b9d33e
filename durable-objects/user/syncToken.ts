/**
 * The inner form of a /sync token, which belongs to the UserDO that issued it:
 * `s<stream position>_<to-device position>`. Clients treat it as opaque.
 */
export interface SyncToken {
  stream: number;
  toDevice: number;
}

export function formatSyncToken(t: SyncToken): string {
  return `s${t.stream}_${t.toDevice}`;
}

export function parseSyncToken(s: string): SyncToken | undefined {
  const m = /^s(\d+)_(\d+)$/.exec(s);
  return m ? { stream: Number(m[1]), toDevice: Number(m[2]) } : undefined;
}
