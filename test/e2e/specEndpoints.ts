/**
 * The Client-Server endpoints of the spec (v1.19), kept in specEndpoints.json so tests can walk
 * every endpoint without a hand-kept list going stale. Regenerate the JSON from the spec with
 * test/tools/generateSpecEndpoints.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface SpecEndpoint {
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** Full path template, e.g. /_matrix/client/v3/rooms/{roomId}/state */
  path: string;
  /** The spec requires an access token (security lists accessTokenBearer and not `{}`). */
  requiresToken: boolean;
  /** The spec's OpenAPI file that defines it. */
  file: string;
}

export function specEndpoints(): SpecEndpoint[] {
  return JSON.parse(readFileSync(join(import.meta.dirname, "specEndpoints.json"), "utf8")) as SpecEndpoint[];
}

/** Fills a path template's {params} from `values` (URL-encoded); unknown names get "x". */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? "x"));
}
