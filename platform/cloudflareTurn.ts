import type { TurnCredentials } from "../protocol/turnCredentials.js";
import type { JsonObject } from "../protocol/json.js";

/**
 * Cloudflare Realtime TURN: a TURN key's ID and API token (secrets) mint short-lived credentials
 * through POST {apiBase}/turn/keys/{keyId}/credentials/generate-ice-servers with body {ttl}; the
 * answer is WebRTC `iceServers`, one entry of which carries the TURN urls, username and credential.
 */

/** The spec's answer (voip.yaml) from Cloudflare's iceServers, or undefined when it has no TURN entry. */
export function turnCredentialsFromIceServers(answer: unknown, ttl: number): (TurnCredentials & { uris: string[] }) | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const servers = (answer as JsonObject).iceServers;
  if (!Array.isArray(servers)) return undefined;
  for (const s of servers) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) continue;
    const { urls, username, credential } = s as JsonObject;
    const list = typeof urls === "string" ? [urls] : Array.isArray(urls) ? urls.filter((u): u is string => typeof u === "string") : [];
    // Only turn:/turns: URIs: the spec's `uris` are TURN servers; STUN entries carry no credential.
    const uris = list.filter((u) => /^turns?:/i.test(u));
    if (uris.length > 0 && typeof username === "string" && typeof credential === "string") return { username, password: credential, uris, ttl };
  }
  return undefined;
}

/** Mints credentials; undefined when Cloudflare cannot be reached or answers anything but credentials. */
export async function cloudflareTurnCredentials(apiBase: string, keyId: string, apiToken: string, ttl: number): Promise<(TurnCredentials & { uris: string[] }) | undefined> {
  try {
    const res = await fetch(`${apiBase}/turn/keys/${encodeURIComponent(keyId)}/credentials/generate-ice-servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl }),
    });
    if (!res.ok) return undefined;
    return turnCredentialsFromIceServers(await res.json(), ttl);
  } catch {
    return undefined;
  }
}
