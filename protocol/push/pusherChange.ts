import { isJsonObject, type JsonObject, type JsonValue } from "../json.js";
import { invalidPusherParam, missingPusherParam, PusherError } from "./errors.js";
import { PUSH_NOTIFY_PATH, type PusherChange } from "./types.js";

/** pusher.yaml: "Max length, 64 chars." Counted in Unicode code points, not UTF-16 units. */
const MAX_APP_ID_CHARS = 64;
/** pusher.yaml: "Max length, 512 bytes." Counted in UTF-8, the bytes that travel. */
const MAX_PUSHKEY_BYTES = 512;

/** The fields an http pusher must have besides kind, app_id and pushkey, in the order errors name them. */
const REQUIRED_HTTP_FIELDS = ["app_display_name", "device_display_name", "lang", "data"] as const;

const has = (o: JsonObject, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * Reads a POST /pushers/set body (pusher.yaml) into what it asks for: delete a pusher (`kind:
 * null`) or create/replace an http pusher. Throws PusherError with the spec's errcode.
 *
 * `httpAllowedHosts` are lowercased hostnames (no port) whose gateways may be reached over plain
 * http — a development gateway on localhost; everything else must be https as the spec says.
 * Whether the gateway's address is private or loopback is the Worker's check, not this one's
 * (platform/ssrfGuard.ts, shared with URL previews).
 */
export function parsePusherChange(body: JsonObject, httpAllowedHosts: readonly string[]): PusherChange {
  if (!has(body, "kind")) throw missingPusherParam("Missing parameters: kind");
  const appId = requiredString(body, "app_id");
  const pushkey = requiredString(body, "pushkey");
  const appIdChars = [...appId].length;
  if (appIdChars < 1 || appIdChars > MAX_APP_ID_CHARS) {
    throw invalidPusherParam(`'app_id' must be 1 to ${MAX_APP_ID_CHARS} characters long`);
  }
  const pushkeyBytes = new TextEncoder().encode(pushkey).length;
  if (pushkeyBytes < 1 || pushkeyBytes > MAX_PUSHKEY_BYTES) {
    throw invalidPusherParam(`'pushkey' must be 1 to ${MAX_PUSHKEY_BYTES} bytes long`);
  }

  const kind = body.kind;
  // Deleting needs only the pusher's identity; the rest of the body is irrelevant.
  if (kind === null) return { action: "delete", appId, pushkey };
  if (typeof kind !== "string") throw invalidPusherParam("'kind' must be a string or null");
  if (kind === "email") {
    // Email pushers send to one of the user's email 3PIDs; Lattice has none, so any address is
    // one it does not know — Synapse's answer for an email that is not bound to the account.
    throw new PusherError(400, "M_THREEPID_NOT_FOUND", "This server has no email addresses to send notifications to");
  }
  if (kind !== "http") throw invalidPusherParam("Unknown pusher kind");

  // The spec's example reports every missing field at once ("Missing parameters: lang, data"),
  // so a client learns all it must add from one reply.
  const missing = REQUIRED_HTTP_FIELDS.filter((f) => !has(body, f));
  if (missing.length > 0) throw missingPusherParam(`Missing parameters: ${missing.join(", ")}`);
  const appDisplayName = stringField(body, "app_display_name");
  const deviceDisplayName = stringField(body, "device_display_name");
  const lang = stringField(body, "lang");
  const data = body.data;
  if (!isJsonObject(data)) throw invalidPusherParam("'data' must be an object");

  const profileTag = optionalField(body, "profile_tag");
  if (profileTag !== undefined && typeof profileTag !== "string") {
    throw invalidPusherParam("'profile_tag' must be a string");
  }
  const append = optionalField(body, "append") ?? false;
  if (typeof append !== "boolean") throw invalidPusherParam("'append' must be a boolean");

  const url = gatewayUrl(data, httpAllowedHosts);
  const format = optionalField(data, "format");
  if (format !== undefined && typeof format !== "string") throw invalidPusherParam("'format' in data must be a string");

  // The client's own data object, custom keys included: the spec has servers forward all of it
  // (but url) to the gateway. A copy, so later changes to the body cannot reach the pusher.
  const pusherData = { ...copyJson(data), url };
  return {
    action: "set",
    pusher: {
      pushkey,
      kind: "http",
      app_id: appId,
      app_display_name: appDisplayName,
      device_display_name: deviceDisplayName,
      lang,
      data: pusherData,
      ...(profileTag !== undefined ? { profile_tag: profileTag } : {}),
    },
    append,
  };
}

function requiredString(body: JsonObject, key: string): string {
  if (!has(body, key)) throw missingPusherParam(`Missing parameters: ${key}`);
  return stringField(body, key);
}

function stringField(body: JsonObject, key: string): string {
  const v = body[key];
  if (typeof v !== "string") throw invalidPusherParam(`'${key}' must be a string`);
  return v;
}

/**
 * An optional field's value, or undefined when absent. JSON null counts as absent: clients
 * written in languages with nullable fields send `"profile_tag": null` for "no tag".
 */
function optionalField(o: JsonObject, key: string): JsonValue | undefined {
  if (!has(o, key)) return undefined;
  return o[key] ?? undefined;
}

/**
 * Checks data.url (pusher.yaml: "MUST be an HTTPS URL with a path of /_matrix/push/v1/notify")
 * and returns it as the client gave it.
 */
function gatewayUrl(data: JsonObject, httpAllowedHosts: readonly string[]): string {
  if (!has(data, "url")) throw missingPusherParam("'url' required in data for HTTP pusher");
  const raw = data.url;
  if (typeof raw !== "string") throw invalidPusherParam("'url' in data must be a string");
  // The URL parser silently drops surrounding spaces and embedded tabs and newlines, so the host
  // checked here could differ from what another reader of the stored string sees. Refuse them.
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw invalidPusherParam("'url' must not contain spaces or control characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidPusherParam("'url' must be an absolute URL");
  }
  if (url.protocol === "http:") {
    const host = url.hostname.toLowerCase().replace(/\.$/, "");
    if (!httpAllowedHosts.includes(host)) throw invalidPusherParam("'url' must be an https URL");
  } else if (url.protocol !== "https:") {
    throw invalidPusherParam("'url' must be an https URL");
  }
  // Credentials in the URL would be sent to the gateway with every push and shown back by
  // GET /pushers; a gateway is not a place for them.
  if (url.username !== "" || url.password !== "") throw invalidPusherParam("'url' must not contain a username or password");
  if (url.pathname !== PUSH_NOTIFY_PATH) throw invalidPusherParam(`'url' must have a path of '${PUSH_NOTIFY_PATH}'`);
  // A fragment is never sent over HTTP, so it can only be a mistake. `url.hash` is "" for a bare
  // trailing "#", hence the look at the string ('#' cannot occur unescaped elsewhere in a URL).
  if (raw.includes("#")) throw invalidPusherParam("'url' must not have a fragment");
  return raw;
}

/** A deep copy of parsed JSON. JSON.parse keeps a "__proto__" key as an own property. */
function copyJson(o: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(o)) as JsonObject;
}
