/**
 * Server ACLs (spec: client-server "Server Access Control Lists (ACLs) for rooms", the
 * m.room.server_acl event schema, server-server "Server Access Control Lists (ACLs)"; appendices
 * "Glob-style matching").
 *
 * Pure code: given the content of the room's current m.room.server_acl event (or none), whether a
 * server may take part in the room. The port of the server name is never considered.
 */
import type { JsonObject } from "./json.js";
import { parseServerName } from "./identifiers.js";

/** Whether a glob (`*` = zero or more characters, `?` = exactly one) matches `text`, ignoring case. */
export function globMatches(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  // Iterative matcher with backtracking to the last `*`: linear memory, no regular expressions.
  let gi = 0;
  let ti = 0;
  let starG = -1;
  let starT = 0;
  while (ti < t.length) {
    if (gi < g.length && (g[gi] === "?" || (g[gi] !== "*" && g[gi] === t[ti]))) {
      gi++;
      ti++;
    } else if (gi < g.length && g[gi] === "*") {
      starG = gi++;
      starT = ti;
    } else if (starG >= 0) {
      gi = starG + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (gi < g.length && g[gi] === "*") gi++;
  return gi === g.length;
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The hostname of a server name without its port, and whether it is an IP literal. */
function hostOf(serverName: string): { host: string; ipLiteral: boolean } {
  try {
    const parsed = parseServerName(serverName);
    return { host: parsed.host, ipLiteral: parsed.hostKind !== "dns" };
  } catch {
    // Not a valid server name: match the whole text, as nothing legitimate looks like this.
    return { host: serverName, ipLiteral: false };
  }
}

/**
 * Whether `serverName` may take part in a room whose current m.room.server_acl content is `acl`
 * (undefined when the room has none), in the schema's order: no ACL allows; an IP literal is
 * denied when allow_ip_literals is false; then the deny list; then the allow list; else deny.
 */
export function serverAclAllows(acl: JsonObject | undefined, serverName: string): boolean {
  if (acl === undefined) return true;
  const { host, ipLiteral } = hostOf(serverName);
  const allowIpLiterals = typeof acl.allow_ip_literals === "boolean" ? acl.allow_ip_literals : true;
  if (ipLiteral && !allowIpLiterals) return false;
  if (stringsOf(acl.deny).some((g) => globMatches(g, host))) return false;
  return stringsOf(acl.allow).some((g) => globMatches(g, host));
}
