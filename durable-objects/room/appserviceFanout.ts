import type { Env } from "../../platform/env.js";
import { readConfig } from "../../platform/env.js";
import type { JsonObject } from "../../protocol/json.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { interestedServices, isInterestedInRoomState, aliasesOf } from "../../protocol/appservice/interest.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { appserviceStub } from "../../platform/stubs.js";
import type { EventRow } from "./eventStore.js";
import type { FanoutPlan } from "./fanoutPlan.js";

/**
 * The fan-out's part for application services (spec: application-service-api "Pushing events"):
 * each event of a fan-out round goes to the AppServiceDO of every service interested in it
 * (protocol/appservice/interest.ts), one call per service per round, in the room's order. With
 * no service registered (or none with a URL) it does nothing at all. Local and federated events
 * pass here alike: both are stored through the outbox the fan-out drains.
 */
export async function pushToAppservices(env: Env, plan: FanoutPlan, roomId: string, rows: EventRow[], version: RoomVersion): Promise<void> {
  const config = readConfig(env);
  const services = config.appservices.services.filter((s) => s.url !== null);
  if (services.length === 0) return;
  const perService = new Map<string, JsonObject[]>();
  // The services interested through the room's state (aliases, local members), per state after
  // an event: a round's messages mostly share one, so the member list is walked once, not per event.
  const byState = new Map<number | null, Set<AppService>>();
  const viaState = (row: EventRow): Set<AppService> => {
    let set = byState.get(row.state_group_after);
    if (!set) {
      const room = { joined: plan.joinedAfter(row, version), aliases: aliasesOf(plan.stateContentAfter(row, "m.room.canonical_alias")) };
      set = new Set(services.filter((s) => isInterestedInRoomState(s, room, config.serverName)));
      byState.set(row.state_group_after, set);
    }
    return set;
  };
  for (const row of rows) {
    // Soft-failed and rejected events are not shown to clients, outliers are not part of the timeline: none is pushed.
    if (row.soft_failed || row.outlier || row.rejected) continue;
    const facts = { type: row.type, sender: row.sender, ...(row.state_key !== null ? { state_key: row.state_key } : {}) };
    const interested = interestedServices(services, facts, roomId, (s) => viaState(row).has(s));
    if (interested.length === 0) continue;
    const event = plan.clientEvent(row, roomId);
    if (!event) continue;
    for (const service of interested) {
      const list = perService.get(service.id) ?? [];
      list.push(event as unknown as JsonObject);
      perService.set(service.id, list);
    }
  }
  await Promise.all([...perService].map(([id, events]) => appserviceStub(env, id).queueEvents(events)));
}
