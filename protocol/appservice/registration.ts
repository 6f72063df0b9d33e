import { isJsonObject, type JsonValue } from "../json.js";
import { parseYamlDocuments, YamlError } from "./yaml.js";

/**
 * Application service registrations (spec: application-service-api "Registration",
 * definitions/registration.yaml), checked as Synapse checks its registration files. A bad
 * registration is not fatal here: it is left out and described in `problems`, so one typo in
 * one bridge's file cannot take the whole server down (Synapse refuses to start instead).
 */

/** One namespace entry. `regex` is anchored at the start only, like Python's re.match. */
export interface Namespace {
  exclusive: boolean;
  regex: RegExp;
  /** The regex as written, for messages. */
  source: string;
}

export type NamespaceKind = "users" | "aliases" | "rooms";

export interface AppService {
  id: string;
  /** Where the service is reached; null: it receives no traffic (no transactions, no queries, no ping). */
  url: string | null;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
  /** The full user ID of sender_localpart on this server. */
  sender: string;
  namespaces: Record<NamespaceKind, Namespace[]>;
  /** Whether requests from its masqueraded users are rate-limited (the sender never is). Default true. */
  rateLimited: boolean;
  protocols: string[];
  /** receive_ephemeral (spec v1.13), or its MSC2409 names. */
  receiveEphemeral: boolean;
  /** MSC3202 transaction extensions (to-device, device lists, key counts). */
  msc3202: boolean;
}

export interface AppServiceRegistrations {
  services: AppService[];
  /** One human-readable line per registration left out, or YAML that could not be read. */
  problems: string[];
}

const KINDS: NamespaceKind[] = ["users", "aliases", "rooms"];

/** Characters Python's urllib.parse.quote leaves alone: Synapse refuses a sender_localpart needing others. */
const UNQUOTED = /^[A-Za-z0-9_.\-~/]+$/;

class RegistrationError extends Error {}

/**
 * Compiles a namespace regex. The spec calls them POSIX regexes but every server (Synapse:
 * `re.compile` then `regex.match(user_id)`) treats them as Python regexes matched from the start
 * of the whole ID — `@_irc_.*` matches `@_irc_bob:example.org` — and not necessarily to its end.
 * The sticky flag gives JavaScript that same start-only anchoring.
 */
export function compileNamespaceRegex(source: string): RegExp {
  try {
    return new RegExp(source, "y");
  } catch (e) {
    throw new RegistrationError(`invalid regex ${JSON.stringify(source)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Whether `value` matches the namespace as Synapse's re.match does (a match starting at 0). */
export function namespaceMatches(ns: Namespace, value: string): boolean {
  ns.regex.lastIndex = 0;
  return ns.regex.test(value);
}

function str(doc: Record<string, JsonValue>, key: string): string {
  const v = doc[key];
  if (typeof v !== "string" || v === "") throw new RegistrationError(`'${key}' must be a non-empty string`);
  return v;
}

function namespacesOf(value: JsonValue): Record<NamespaceKind, Namespace[]> {
  if (!isJsonObject(value)) throw new RegistrationError("'namespaces' must be a mapping");
  const out: Record<NamespaceKind, Namespace[]> = { users: [], aliases: [], rooms: [] };
  for (const kind of KINDS) {
    const list = value[kind];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new RegistrationError(`'namespaces.${kind}' must be a list`);
    for (const entry of list) {
      if (!isJsonObject(entry)) throw new RegistrationError(`each entry of 'namespaces.${kind}' must be a mapping with 'regex' and 'exclusive'`);
      if (typeof entry.regex !== "string") throw new RegistrationError(`'namespaces.${kind}[].regex' must be a string`);
      if (typeof entry.exclusive !== "boolean") throw new RegistrationError(`'namespaces.${kind}[].exclusive' must be true or false`);
      out[kind].push({ exclusive: entry.exclusive, regex: compileNamespaceRegex(entry.regex), source: entry.regex });
    }
  }
  return out;
}

/** One registration document, or a RegistrationError saying what is wrong with it. */
function readRegistration(doc: JsonValue, serverName: string): AppService {
  if (!isJsonObject(doc)) throw new RegistrationError("a registration must be a mapping");
  const id = str(doc, "id");
  if (id.includes("|")) throw new RegistrationError("'id' cannot contain '|'");
  // url must be a string or an explicit null: a missing url is more likely a mistake than a wish for no traffic.
  if (!("url" in doc) || (doc.url !== null && typeof doc.url !== "string")) throw new RegistrationError("'url' must be a string or null");
  const url = typeof doc.url === "string" && doc.url !== "" ? doc.url.replace(/\/+$/, "") : null;
  if (url !== null && !/^https?:\/\/[^/]/i.test(url)) throw new RegistrationError("'url' must be an http(s) URL");
  const senderLocalpart = str(doc, "sender_localpart");
  if (!UNQUOTED.test(senderLocalpart)) throw new RegistrationError("'sender_localpart' has characters that would need URL-encoding");
  if (!("namespaces" in doc)) throw new RegistrationError("'namespaces' is required");
  const protocols = doc.protocols ?? [];
  if (!Array.isArray(protocols) || !protocols.every((p) => typeof p === "string")) throw new RegistrationError("'protocols' must be a list of strings");
  const msc3202 = doc["org.matrix.msc3202"] ?? false;
  if (typeof msc3202 !== "boolean") throw new RegistrationError("'org.matrix.msc3202' must be true or false");
  const ephemeral = [doc.receive_ephemeral, doc.push_ephemeral, doc["de.sorunome.msc2409.push_ephemeral"]];
  return {
    id,
    url,
    asToken: str(doc, "as_token"),
    hsToken: str(doc, "hs_token"),
    senderLocalpart,
    sender: `@${senderLocalpart}:${serverName}`,
    namespaces: namespacesOf(doc.namespaces),
    // As Synapse: anything but an explicit boolean leaves rate limiting on.
    rateLimited: typeof doc.rate_limited === "boolean" ? doc.rate_limited : true,
    protocols: protocols as string[],
    receiveEphemeral: ephemeral.some((v) => v === true),
    msc3202,
  };
}

/**
 * Every registration in `source` (one or more YAML documents separated by `---`). The spec
 * requires `id` and `as_token` to be unique, and the hs_token identifies the homeserver to one
 * service only: a registration reusing one already taken by an earlier registration is left
 * out, and the earlier one keeps working.
 */
export function parseRegistrations(source: string, serverName: string): AppServiceRegistrations {
  const problems: string[] = [];
  let docs: JsonValue[];
  try {
    docs = parseYamlDocuments(source);
  } catch (e) {
    if (!(e instanceof YamlError)) throw e;
    return { services: [], problems: [`APPSERVICES is not readable YAML, no application service is registered: ${e.message}`] };
  }
  const services: AppService[] = [];
  const taken = { id: new Set<string>(), asToken: new Set<string>(), hsToken: new Set<string>() };
  docs.forEach((doc, i) => {
    const name = isJsonObject(doc) && typeof doc.id === "string" ? `registration ${i + 1} (id ${JSON.stringify(doc.id)})` : `registration ${i + 1}`;
    try {
      const s = readRegistration(doc, serverName);
      if (taken.id.has(s.id)) throw new RegistrationError("its 'id' is already used by an earlier registration");
      if (taken.asToken.has(s.asToken)) throw new RegistrationError("its 'as_token' is already used by an earlier registration");
      if (taken.hsToken.has(s.hsToken)) throw new RegistrationError("its 'hs_token' is already used by an earlier registration");
      taken.id.add(s.id);
      taken.asToken.add(s.asToken);
      taken.hsToken.add(s.hsToken);
      services.push(s);
    } catch (e) {
      if (!(e instanceof RegistrationError)) throw e;
      problems.push(`${name} is ignored: ${e.message}`);
    }
  });
  return { services, problems };
}
