/**
 * Identifier grammar (spec: appendices, "Identifier Grammar": server names, user IDs, room IDs,
 * room aliases, event IDs; rooms/fragments/v1-event-ids.md and v4-event-ids.md).
 *
 * Two strengths of user ID check exist because the spec has two: new local users must use the
 * strict localpart grammar, while events from remote servers and old rooms must be accepted with
 * "historical" localparts (anything but `:` and NUL), or whole rooms become unreadable.
 */
import type { RoomVersion } from "./roomVersions.js";
import { hasLoneSurrogate } from "./canonicalJson.js";

export class IdentifierError extends Error {
  override name = "IdentifierError";
}

/** Identifiers that carry a server name are limited to 255 bytes of UTF-8, sigil included. */
export const MAX_IDENTIFIER_BYTES = 255;

/** UTF-8 length of `s` without allocating (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function describe(id: string): string {
  return JSON.stringify(id.length > 80 ? id.slice(0, 80) + "…" : id);
}

// ---------------------------------------------------------------------------------------------
// Server names

export interface ServerName {
  /** The hostname exactly as written; IPv6 literals keep their brackets. */
  host: string;
  hostKind: "dns" | "ipv4" | "ipv6";
  /** The explicit port, if one was given. */
  port?: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const PORT = /^\d{1,5}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function isIPv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/** An IPv6 address as RFC 3513 §2.2 writes it: 8 groups, `::` once, optional IPv4 tail. */
function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string): string[] => (part === "" ? [] : part.split(":"));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i];
    if (i === all.length - 1 && group.includes(".")) {
      // An embedded IPv4 address may only end the address and fills two groups.
      if (!isIPv4(group)) return false;
      count += 2;
    } else if (HEX_GROUP.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

/**
 * Parses a server name: `hostname [":" port]` where the hostname is a DNS name, a dotted-quad
 * IPv4 literal or a bracketed IPv6 literal. Throws `IdentifierError` saying what is wrong.
 *
 * DNS names are checked against the spec's grammar (letters, digits, `-` and `.`), not the
 * stricter label rules it only recommends, so we never refuse a server others accept. A name
 * made only of digits and dots must be a real IPv4 address (octets 0–255).
 */
export function parseServerName(name: string): ServerName {
  if (name.length === 0) throw new IdentifierError("server name is empty");
  let host: string;
  let portText: string | undefined;
  let hostKind: ServerName["hostKind"];
  if (name.startsWith("[")) {
    const close = name.indexOf("]");
    if (close < 0) throw new IdentifierError(`server name ${describe(name)} has an IPv6 literal without a closing "]"`);
    host = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw new IdentifierError(`server name ${describe(name)} has characters after the IPv6 literal`);
      portText = rest.slice(1);
    }
    if (!isIPv6(host.slice(1, -1))) throw new IdentifierError(`server name ${describe(name)} is not a valid IPv6 literal`);
    hostKind = "ipv6";
  } else {
    const colon = name.indexOf(":");
    host = colon < 0 ? name : name.slice(0, colon);
    if (colon >= 0) portText = name.slice(colon + 1);
    if (host === "") throw new IdentifierError(`server name ${describe(name)} has an empty hostname`);
    if (/^[\d.]+$/.test(host) && host.split(".").length === 4) {
      if (!isIPv4(host)) throw new IdentifierError(`server name ${describe(name)} is not a valid IPv4 address (octets are 0–255)`);
      hostKind = "ipv4";
    } else if (DNS_NAME.test(host)) {
      hostKind = "dns";
    } else {
      throw new IdentifierError(
        `server name ${describe(name)} is not a valid hostname (letters, digits, "-" and "." only, at most 255)`,
      );
    }
  }
  if (portText === undefined) return { host, hostKind };
  if (!PORT.test(portText) || Number(portText) > 65535) {
    throw new IdentifierError(`server name ${describe(name)} has an invalid port (1–5 digits, at most 65535)`);
  }
  return { host, hostKind, port: Number(portText) };
}

export function isValidServerName(name: string): boolean {
  try {
    parseServerName(name);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The common `&localpart:domain` form

/** The server name part of a `&localpart:domain` identifier (text after the first `:`). */
export function serverNameOf(id: string): string {
  const colon = id.indexOf(":");
  if (colon < 0) {
    throw new IdentifierError(`identifier ${describe(id)} has no server name (room version 12 room IDs and v3+ event IDs have none)`);
  }
  return id.slice(colon + 1);
}

/**
 * The server name of an ID that may be malformed (member state keys, senders of stripped state
 * from remote servers): undefined instead of an exception when there is no `:`.
 */
export function serverNameIfAny(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon < 0 ? undefined : id.slice(colon + 1);
}

/** Whether `id` (a user, room alias or v1–v11 room ID) names `serverName` as its server. */
export function isFromServer(id: string, serverName: string): boolean {
  return serverNameIfAny(id) === serverName;
}

interface Sigilled {
  localpart: string;
  serverName: string;
}

function splitSigilled(id: string, sigil: string, what: string): Sigilled {
  if (!id.startsWith(sigil)) throw new IdentifierError(`${what} ${describe(id)} must start with "${sigil}"`);
  const colon = id.indexOf(":");
  if (colon < 0) throw new IdentifierError(`${what} ${describe(id)} must have the form ${sigil}localpart:server_name`);
  const localpart = id.slice(1, colon);
  const serverName = id.slice(colon + 1);
  try {
    parseServerName(serverName);
  } catch (e) {
    throw new IdentifierError(`${what} ${describe(id)}: ${(e as Error).message}`);
  }
  if (utf8ByteLength(id) > MAX_IDENTIFIER_BYTES) {
    throw new IdentifierError(`${what} ${describe(id)} is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  }
  return { localpart, serverName };
}

/** The opaque part of room IDs, room aliases and historical user IDs: no `:`, NUL or lone surrogates. */
function checkOpaqueLocalpart(id: string, localpart: string, what: string): void {
  if (localpart.includes("\u0000")) throw new IdentifierError(`${what} ${describe(id)} contains NUL`);
  if (hasLoneSurrogate(localpart)) throw new IdentifierError(`${what} ${describe(id)} contains a lone surrogate`);
}

// ---------------------------------------------------------------------------------------------
// User IDs

const USER_LOCALPART = /^[a-z0-9._=\-/+]+$/;

/** Whether `localpart` fits the strict grammar required of new users: `[a-z0-9._=\-/+]+`. */
export function isValidUserLocalpart(localpart: string): boolean {
  return USER_LOCALPART.test(localpart);
}

export interface UserIdOptions {
  /**
   * Accept historical user IDs (spec: "Historical User IDs"): any localpart without `:` or NUL,
   * even empty. Use for senders of remote or old events; never for registering users.
   */
  historical?: boolean;
}

/** Splits and checks a user ID `@localpart:server_name`. Throws `IdentifierError`. */
export function parseUserId(id: string, options?: UserIdOptions): Sigilled {
  const parts = splitSigilled(id, "@", "user ID");
  if (options?.historical) {
    checkOpaqueLocalpart(id, parts.localpart, "user ID");
  } else if (!isValidUserLocalpart(parts.localpart)) {
    throw new IdentifierError(
      `user ID ${describe(id)} has an invalid localpart: it must be non-empty and use only a-z, 0-9 and . _ = - / +`,
    );
  }
  return parts;
}

export function isValidUserId(id: string, options?: UserIdOptions): boolean {
  try {
    parseUserId(id, options);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Room aliases

/** Splits and checks a room alias `#localpart:server_name`. Throws `IdentifierError`. */
export function parseRoomAlias(alias: string): Sigilled {
  const parts = splitSigilled(alias, "#", "room alias");
  checkOpaqueLocalpart(alias, parts.localpart, "room alias");
  return parts;
}

export function isValidRoomAlias(alias: string): boolean {
  try {
    parseRoomAlias(alias);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Event IDs

/** sha256 is 32 bytes: 43 characters of unpadded base64. */
const HASH_EVENT_ID_V3 = /^\$[A-Za-z0-9+/]{43}$/;
const HASH_EVENT_ID_V4 = /^\$[A-Za-z0-9_-]{43}$/;

type EventIdFormat = RoomVersion["eventIdFormat"];

function checkEventId(id: string, format: EventIdFormat): void {
  if (!id.startsWith("$")) throw new IdentifierError(`event ID ${describe(id)} must start with "$"`);
  switch (format) {
    case "v1": {
      // `$opaque_id:domain`: the domain matters, since v1–2 events must be signed by it.
      const parts = splitSigilled(id, "$", "event ID");
      checkOpaqueLocalpart(id, parts.localpart, "event ID");
      return;
    }
    case "v3":
      if (!HASH_EVENT_ID_V3.test(id)) {
        throw new IdentifierError(`event ID ${describe(id)} must be "$" and a 43-character unpadded base64 reference hash`);
      }
      return;
    case "v4":
      if (!HASH_EVENT_ID_V4.test(id)) {
        throw new IdentifierError(
          `event ID ${describe(id)} must be "$" and a 43-character URL-safe unpadded base64 reference hash`,
        );
      }
      return;
  }
}

/**
 * Checks an event ID against the format of `version` (`$opaque:domain` for v1–2, `$` + reference
 * hash in standard base64 for v3, URL-safe base64 for v4+). Without a version, any of the three
 * is accepted. Throws `IdentifierError`.
 */
export function validateEventId(id: string, version?: RoomVersion): void {
  if (version) return checkEventId(id, version.eventIdFormat);
  if (HASH_EVENT_ID_V3.test(id) || HASH_EVENT_ID_V4.test(id)) return;
  checkEventId(id, "v1");
}

export function isValidEventId(id: string, version?: RoomVersion): boolean {
  try {
    validateEventId(id, version);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Room IDs

export interface ParsedRoomId {
  /** The part after `!`: a localpart (before v12) or a create event reference hash (v12+). */
  opaqueId: string;
  /** Present for room versions before 12. */
  serverName?: string;
}

/**
 * Splits and checks a room ID. Before room version 12 it is `!opaque_id:server_name`; from 12 it
 * is the create event's ID with `!` for `$` (so `!` + 43 URL-safe base64 characters, no domain).
 * Without a version, either form is accepted. Throws `IdentifierError`.
 */
export function parseRoomId(id: string, version?: RoomVersion): ParsedRoomId {
  if (!id.startsWith("!")) throw new IdentifierError(`room ID ${describe(id)} must start with "!"`);
  const hashForm = version === undefined ? !id.includes(":") : version.roomIdIsCreateEventHash;
  if (hashForm) {
    if (!HASH_EVENT_ID_V4.test("$" + id.slice(1))) {
      throw new IdentifierError(
        `room ID ${describe(id)} must be "!" and the 43-character URL-safe base64 hash of the room's create event`,
      );
    }
    return { opaqueId: id.slice(1) };
  }
  const parts = splitSigilled(id, "!", "room ID");
  checkOpaqueLocalpart(id, parts.localpart, "room ID");
  return { opaqueId: parts.localpart, serverName: parts.serverName };
}

export function isValidRoomId(id: string, version?: RoomVersion): boolean {
  try {
    parseRoomId(id, version);
    return true;
  } catch {
    return false;
  }
}
