/**
 * The little identifier parsing the auth rules need (spec: appendices "Server Name",
 * "User Identifiers" incl. "Historical User IDs", "Room IDs", "Event IDs").
 * Kept local so the auth rules depend on nothing but the PDU types.
 */

/** The domain of `@user:domain`, `!room:domain`, `$event:domain` (everything after the first colon). */
export function domainOf(id: string): string | undefined {
  const i = id.indexOf(":");
  return i < 0 ? undefined : id.slice(i + 1);
}

const IPV4 = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const DNS_NAME = /^[0-9A-Za-z.-]{1,255}$/;
const PORT = /^[0-9]{1,5}$/;

/** `server_name = hostname [ ":" port ]` with hostname an IPv4 literal, a bracketed IPv6 literal or a DNS name. */
export function isValidServerName(name: string): boolean {
  let host = name;
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    if (end < 0) return false;
    host = name.slice(0, end + 1);
    const rest = name.slice(end + 1);
    if (rest !== "" && !(rest.startsWith(":") && PORT.test(rest.slice(1)))) return false;
    return IPV6.test(host);
  }
  const colon = name.lastIndexOf(":");
  if (colon >= 0) {
    if (!PORT.test(name.slice(colon + 1))) return false;
    host = name.slice(0, colon);
  }
  return IPV4.test(host) || DNS_NAME.test(host);
}

const encoder = new TextEncoder();

/**
 * A user ID as event fields must accept it: `@localpart:server_name`, at most 255 bytes, where
 * the localpart may use the historical character set (any code points except `:` and NUL,
 * even empty) because old rooms contain such senders.
 */
export function isValidUserId(id: string): boolean {
  if (!id.startsWith("@")) return false;
  const colon = id.indexOf(":");
  if (colon < 0) return false;
  const localpart = id.slice(1, colon);
  if (localpart.includes("\u0000")) return false;
  if (encoder.encode(id).length > 255) return false;
  return isValidServerName(id.slice(colon + 1));
}
