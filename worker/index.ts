import { router, pathIsKnown, type Ctx } from "./router.js";
import { readConfig, type Env } from "../platform/env.js";
import { CORS_HEADERS, errorResponse, json } from "./http.js";
import { MatrixError, toMatrixError, unrecognized, internalError } from "../platform/errors.js";
import { registerDiscoveryRoutes } from "./client/discovery.js";
import { registerAccountRoutes } from "./client/account.js";
import { registerDeviceRoutes } from "./client/devices.js";
import { registerProfileRoutes } from "./client/profile.js";
import { registerCreateRoomRoutes } from "./client/createRoom.js";
import { registerRoomUpgradeRoutes } from "./client/roomUpgrade.js";
import { registerLegacyEventRoutes } from "./client/legacyEvents.js";
import { registerLegacyInitialSyncRoutes } from "./client/legacyInitialSync.js";
import { registerMembershipRoutes } from "./client/membershipActions.js";
import { registerRoomEventRoutes } from "./client/roomEvents.js";
import { registerSearchRoutes } from "./client/search.js";
import { registerSyncRoutes } from "./client/sync.js";
import { registerSlidingSyncRoutes } from "./client/slidingSync.js";
import { registerAccountDataRoutes } from "./client/accountData.js";
import { registerPushRuleRoutes } from "./client/pushRules.js";
import { registerDirectoryRoutes } from "./client/directory.js";
import { registerEphemeralRoutes } from "./client/ephemeral.js";
import { registerPresenceRoutes } from "./client/presence.js";
import { registerThirdPartyIdentifierRoutes } from "./client/thirdPartyIdentifiers.js";
import { registerThirdPartyNetworkRoutes } from "./client/thirdPartyNetworks.js";
import { registerVoipRoutes } from "./client/voip.js";
import { registerReportingRoutes } from "./client/reporting.js";
import { registerPusherRoutes } from "./client/pushers.js";
import { registerNotificationRoutes } from "./client/notifications.js";
import { registerAdminRoutes } from "./client/admin.js";
import { registerAdminUserRoutes } from "./admin/users.js";
import { registerAdminUserListRoutes } from "./admin/userList.js";
import { registerAdminUserActionRoutes } from "./admin/userActions.js";
import { registerAdminUserDeviceRoutes } from "./admin/userDevices.js";
import { registerAdminEventReportRoutes } from "./admin/eventReports.js";
import { registerMediaRoutes } from "./media/routes.js";
import { registerKeysRoutes } from "./client/keys.js";
import { registerToDeviceRoutes } from "./client/toDevice.js";
import { registerKeyBackupRoutes } from "./client/keyBackup.js";
import { registerDehydratedDeviceRoutes } from "./client/dehydratedDevice.js";
import { registerOpenIdRoutes } from "./client/openid.js";
import { registerSpaceHierarchyRoutes } from "./client/spaceHierarchy.js";
import { registerAppservicePingRoutes } from "./appservice/ping.js";
import { registerFederationRoutes } from "./federation/routes.js";
import { registerFederationRoomRoutes } from "./federation/rooms.js";
import { registerFederationInviteRoutes } from "./federation/invite.js";
import { registerOAuthRoutes } from "./oauth/routes.js";
import { oauthErrorResponse } from "./oauth/errors.js";
import { toOAuthError } from "../protocol/oauth/errors.js";
import { count, metricsEnabled, snapshot } from "../platform/metrics.js";

export { RoomDO } from "../durable-objects/RoomDO.js";
export { UserDO } from "../durable-objects/UserDO.js";
export { ServerDO } from "../durable-objects/ServerDO.js";
export { RemoteDO } from "../durable-objects/RemoteDO.js";
export { AppServiceDO } from "../durable-objects/AppServiceDO.js";

registerDiscoveryRoutes();
registerAccountRoutes();
registerDeviceRoutes();
registerProfileRoutes();
registerCreateRoomRoutes();
registerRoomUpgradeRoutes();
registerMembershipRoutes();
registerRoomEventRoutes();
registerSearchRoutes();
registerSyncRoutes();
registerLegacyEventRoutes();
registerLegacyInitialSyncRoutes();
registerSlidingSyncRoutes();
registerAccountDataRoutes();
registerPushRuleRoutes();
registerDirectoryRoutes();
registerEphemeralRoutes();
registerPresenceRoutes();
registerThirdPartyIdentifierRoutes();
registerThirdPartyNetworkRoutes();
registerVoipRoutes();
registerReportingRoutes();
registerAppservicePingRoutes();
registerPusherRoutes();
registerNotificationRoutes();
registerAdminRoutes();
registerAdminUserRoutes();
registerAdminUserListRoutes();
registerAdminUserActionRoutes();
registerAdminUserDeviceRoutes();
registerAdminEventReportRoutes();
registerMediaRoutes();
registerKeysRoutes();
registerToDeviceRoutes();
registerKeyBackupRoutes();
registerDehydratedDeviceRoutes();
registerOpenIdRoutes();
registerSpaceHierarchyRoutes();
registerFederationRoutes();
registerFederationRoomRoutes();
registerFederationInviteRoutes();
registerOAuthRoutes();

export default {
  async fetch(request: Request, env: Env, exec: ExecutionContext): Promise<Response> {
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
    const url = new URL(request.url);
    if (metricsEnabled(env)) {
      // Benchmark counters (bench/README.md); the metrics endpoint itself is not counted.
      if (url.pathname === "/_lattice/metrics" && request.method === "GET") return json(snapshot());
      count("worker.requests");
    }
    const ctx: Ctx = { env, config: readConfig(env), exec, url };
    try {
      const res = await router.fetch(request, ctx);
      if (res) return res;
      // Spec: an unknown endpoint is 404 M_UNRECOGNIZED; a known one with the wrong method is 405.
      if (pathIsKnown(url.pathname)) throw new MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request method");
      throw unrecognized();
    } catch (e) {
      const err = toMatrixError(e);
      if (err) return errorResponse(err);
      // The OAuth endpoints answer in RFC 6749's form, {error, error_description}.
      const oauthErr = toOAuthError(e);
      if (oauthErr) return oauthErrorResponse(oauthErr);
      console.error("internal error", request.method, url.pathname, e);
      return errorResponse(internalError("Internal server error"));
    }
  },
} satisfies ExportedHandler<Env>;
