/**
 * What the consent pages show of a client and of the access it asks for, from its registered
 * metadata and the parsed scope.
 */
import { localizedClientName, type ClientMetadata } from "../../protocol/oauth/clientMetadata.js";
import type { ParsedScope } from "../../protocol/oauth/scope.js";
import { userStub } from "../../platform/stubs.js";
import type { Ctx } from "../router.js";
import { acceptedLanguages } from "./acceptLanguage.js";
import type { ClientInfo } from "./pages/client.js";

/**
 * The client as the pages present it. The pages themselves drop a logo or link that is not https
 * (or that the CSP could not name), so the registered values are passed as they are.
 */
export function clientInfo(client: ClientMetadata, request: Request): ClientInfo {
  // The name in the browser's language when the client registered one (client_name#fr). Every
  // stored client_uri parsed as an https URL at registration, so its host is the fallback.
  const name = localizedClientName(client, acceptedLanguages(request.headers.get("Accept-Language"))) || new URL(client.client_uri).host;
  return { name, uri: client.client_uri, logoUri: client.logo_uri, tosUri: client.tos_uri, policyUri: client.policy_uri };
}

/**
 * The scope in words: Lattice grants full API access only, always to one named device. When
 * that device already exists the grant takes it over (its old tokens end), which is said, since
 * an app could name another app's device.
 */
export function scopeDescriptions(scope: ParsedScope, existing?: { displayName: string | null }): string[] {
  const session = existing
    ? `Your existing session ${existing.displayName ? `"${existing.displayName}" ` : ""}(device ${scope.deviceId}): it is signed out there and continues in this app`
    : `A new session (device ${scope.deviceId}) that stays signed in until you sign it out`;
  const out = ["Full access to your account: read and send messages, join and leave rooms, change your settings", session];
  if (scope.openid) out.push("Your Matrix user ID");
  return out;
}

/** The scope in words for `userId`, who may already have the device it names. */
export async function scopeDescriptionsFor(ctx: Ctx, userId: string, scope: ParsedScope): Promise<string[]> {
  const device = (await userStub(ctx.env, userId).sessions()).find((s) => s.device_id === scope.deviceId);
  return scopeDescriptions(scope, device && { displayName: device.display_name });
}
