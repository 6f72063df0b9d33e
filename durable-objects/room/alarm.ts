/**
 * A Durable Object has one alarm. The RoomDO's serves typing expiry and fan-out retries, so a
 * request for it only ever moves it earlier: the alarm then handles whatever is due.
 */
export async function scheduleAlarm(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
