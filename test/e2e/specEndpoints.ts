/**
 * The Client-Server endpoints of the spec (../shared/matrix-spec/data/api/client-server/*.yaml),
 * read with a small line reader of the OpenAPI layout those files share, so tests can walk every
 * endpoint without a hand-kept list going stale.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

export interface SpecEndpoint {
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** Full path template, e.g. /_matrix/client/v3/rooms/{roomId}/state */
  path: string;
  /** The spec requires an access token (security lists accessTokenBearer and not `{}`). */
  requiresToken: boolean;
  file: string;
}

export const SPEC_DIR = join(import.meta.dirname, "..", "..", "..", "shared", "matrix-spec", "data", "api", "client-server");

export function specAvailable(): boolean {
  return existsSync(SPEC_DIR);
}

export function specEndpoints(): SpecEndpoint[] {
  const out: SpecEndpoint[] = [];
  for (const file of readdirSync(SPEC_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
    const lines = readFileSync(join(SPEC_DIR, file), "utf8").split("\n");
    let basePath = "";
    for (let i = 0; i < lines.length; i++) {
      if (/^\s+basePath:\s*$/.test(lines[i])) {
        for (let j = i + 1; j < Math.min(i + 5, lines.length); j++) {
          const m = /^\s+default:\s*(\S+)\s*$/.exec(lines[j]);
          if (m) {
            basePath = m[1];
            break;
          }
        }
      }
    }
    let path: string | undefined;
    let current: SpecEndpoint | undefined;
    let inSecurity = false;
    const schemes: string[] = [];
    const finish = () => {
      if (current) {
        current.requiresToken = schemes.includes("accessTokenBearer") && !schemes.includes("{}");
        out.push(current);
      }
      current = undefined;
      schemes.length = 0;
      inSecurity = false;
    };
    for (const line of lines) {
      const p = /^ {2}"?(\/[^":]*)"?:\s*$/.exec(line);
      if (p) {
        finish();
        path = basePath + p[1].trim(); // the third-party invite is keyed "/rooms/{roomId}/invite " in the spec
        continue;
      }
      if (/^\S/.test(line)) {
        finish();
        path = undefined;
        continue;
      }
      const m = /^ {4}(get|put|post|delete):\s*$/.exec(line);
      if (m && path !== undefined) {
        finish();
        current = { method: m[1].toUpperCase() as SpecEndpoint["method"], path, requiresToken: false, file };
        continue;
      }
      if (!current) continue;
      if (/^ {6}security:\s*$/.test(line)) {
        inSecurity = true;
        continue;
      }
      if (inSecurity) {
        const s = /^ {8}- (\{\}|[A-Za-z]+)/.exec(line);
        if (s) schemes.push(s[1]);
        else if (/^ {0,6}\S/.test(line)) inSecurity = false;
      }
    }
    finish();
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const k = `${e.method} ${e.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Fills a path template's {params} from `values` (URL-encoded); unknown names get "x". */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? "x"));
}
