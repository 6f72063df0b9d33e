/**
 * Regenerates test/e2e/specEndpoints.json, the Client-Server endpoints of the spec, from the
 * spec's OpenAPI files (matrix-spec/data/api/client-server/*.yaml), read with a small line reader
 * of the layout those files share. The tests read the JSON, so they run on a fresh clone with no
 * spec beside it; run this when the spec version changes:
 *
 *   npx tsx test/tools/generateSpecEndpoints.ts <path to a matrix-spec checkout>
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SpecEndpoint } from "../e2e/specEndpoints.js";

function specEndpoints(specRoot: string): SpecEndpoint[] {
  const SPEC_DIR = join(specRoot, "data", "api", "client-server");
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

const specRoot = process.argv[2];
if (!specRoot) {
  console.error("usage: npx tsx test/tools/generateSpecEndpoints.ts <path to matrix-spec>");
  process.exit(2);
}
const endpoints = specEndpoints(specRoot);
const target = join(import.meta.dirname, "..", "e2e", "specEndpoints.json");
// One endpoint per line, so a spec update shows as a readable diff.
writeFileSync(target, `[\n${endpoints.map((e) => `  ${JSON.stringify(e)}`).join(",\n")}\n]\n`);
console.log(`${endpoints.length} endpoints written to ${target}`);
