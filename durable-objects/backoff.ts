/**
 * The retry delay of the outbound queues (RemoteDO's transactions to a server, AppServiceDO's to
 * an application service) after `failures` consecutive failures: 1 s, 2 s, 4 s … capped at one hour.
 */
export function backoffMs(failures: number): number {
  return Math.min(3600_000, 1000 * 2 ** Math.max(0, Math.min(failures - 1, 22)));
}
