import type { Ctx } from "../router.js";
import { MatrixError } from "../../platform/errors.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { exclusiveHolders, inNamespace, isServiceUser } from "../../protocol/appservice/namespaces.js";

/**
 * Exclusive namespaces (spec: application-service-api "Server admin style permissions"): a
 * service creating users or aliases outside its namespaces, and anyone creating them inside
 * another service's exclusive namespace, gets 400 M_EXCLUSIVE — Synapse's messages and order.
 */

const exclusive = (text: string) => new MatrixError(400, "M_EXCLUSIVE", text);

/** Whether `userId` is a service's sender or in its exclusive namespace (`service`'s own aside). */
export function isReservedUserId(ctx: Ctx, userId: string, service?: AppService): boolean {
  return exclusiveHolders(ctx.config.appservices.services, "users", userId, service).length > 0;
}

/** Registering `userId`, by a person (no service) or by `service`. */
export function checkUserIdNotExclusive(ctx: Ctx, userId: string, service?: AppService): void {
  if (service && !isServiceUser(service, userId, ctx.config.serverName)) throw exclusive("Invalid user localpart for this application service.");
  if (isReservedUserId(ctx, userId, service)) throw exclusive("This user ID is reserved by an application service.");
}

/** Creating `alias`, by a person (no service) or by `service`. */
export function checkAliasNotExclusive(ctx: Ctx, alias: string, service?: AppService): void {
  if (service && !inNamespace(service, "aliases", alias)) throw exclusive("This application service has not reserved this kind of alias.");
  if (exclusiveHolders(ctx.config.appservices.services, "aliases", alias, service).length > 0) {
    throw exclusive("This alias is reserved by an application service.");
  }
}
