import type { Ctx } from "../router.js";
import { MatrixError, forbidden, toMatrixError } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import type { Session } from "../../platform/rpc/user.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { isServiceUser } from "../../protocol/appservice/namespaces.js";

/**
 * Identity assertion (spec: application-service-api "Identity assertion"): a request carrying a
 * service's as_token acts as `?user_id=` (default: its sender_localpart user) and, since v1.17
 * (MSC4326), as `?device_id=` of that user.
 */

/** The service whose as_token this is, if any. */
export function appserviceByToken(ctx: Ctx, token: string): AppService | undefined {
  return ctx.config.appservices.services.find((s) => s.asToken === token);
}

/**
 * The session of a request made with `service`'s as_token. As Synapse: the user must be the
 * sender or a user of this server in one of its users namespaces (403 M_FORBIDDEN), and — the
 * sender aside — already registered (403 M_FORBIDDEN); a device_id must be one of that user's
 * devices (400 M_UNKNOWN_DEVICE). Without device_id the request has no device: deviceId is "".
 */
export async function appserviceSession(ctx: Ctx, service: AppService): Promise<Session & { appservice: AppService }> {
  const userId = ctx.url.searchParams.get("user_id") ?? service.sender;
  const deviceId = ctx.url.searchParams.get("device_id") ?? undefined;
  if (!isServiceUser(service, userId, ctx.config.serverName)) {
    throw forbidden(`Application service cannot masquerade as this user (${userId}).`);
  }
  const stub = userStub(ctx.env, userId);
  if (userId !== service.sender && !(await stub.exists())) {
    throw forbidden(`Application service has not registered this user (${userId}).`);
  }
  if (deviceId !== undefined) {
    try {
      await stub.getDevice(deviceId);
    } catch (e) {
      if (toMatrixError(e)?.errcode !== "M_NOT_FOUND") throw e;
      throw new MatrixError(400, "M_UNKNOWN_DEVICE", `Device ${deviceId} does not belong to ${userId}`);
    }
  }
  return { userId, deviceId: deviceId ?? "", isGuest: false, oauth: false, appservice: service };
}
