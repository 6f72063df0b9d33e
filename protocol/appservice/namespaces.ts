import { isFromServer } from "../identifiers.js";
import { namespaceMatches, type AppService, type NamespaceKind } from "./registration.js";

/**
 * Which IDs an application service may act for or reserve (spec: application-service-api
 * "Registration", "Identity assertion", "Server admin style permissions").
 */

/**
 * Whether `userId` is one the service may act as: its sender, or a user of this server matching
 * one of its users namespaces, exclusive or not. Only local users count (spec note on `users`).
 */
export function isServiceUser(service: AppService, userId: string, serverName: string): boolean {
  if (userId === service.sender) return true;
  if (!isFromServer(userId, serverName)) return false;
  return service.namespaces.users.some((ns) => namespaceMatches(ns, userId));
}

/** Whether `value` (a user ID, room alias or room ID) matches one of the service's `kind` namespaces. */
export function inNamespace(service: AppService, kind: NamespaceKind, value: string): boolean {
  return service.namespaces[kind].some((ns) => namespaceMatches(ns, value));
}

/**
 * The services other than `except` holding `value` in an exclusive namespace: creating it is
 * theirs alone (spec: M_EXCLUSIVE for normal users and for other services). A service's own
 * sender is reserved to it as well.
 */
export function exclusiveHolders(services: readonly AppService[], kind: NamespaceKind, value: string, except?: AppService): AppService[] {
  return services.filter(
    (s) => s !== except && ((kind === "users" && value === s.sender) || s.namespaces[kind].some((ns) => ns.exclusive && namespaceMatches(ns, value))),
  );
}
