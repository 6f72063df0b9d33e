// Runs every *.test.ts under test/<layer> with Node's test runner (Node 20 has no --test globs).
// No --test-force-exit: on Node 20 it can end a file before all its tests are counted, silently.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const layer = process.argv[2];
const extra = process.argv.slice(3);
function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}
const files = find(join("test", layer));
if (files.length === 0) {
  console.error(`no tests under test/${layer}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...extra, ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
