/**
 * Store modules (durable-objects/**\/*Store.ts) are the only code that speaks SQL. Their tests are
 * the `*.cases.ts` files under test/unit: each exports `cases`, functions given the SQLite storage
 * of a fresh Durable Object. This file bundles every cases file into one Worker and runs each case
 * in its own new object inside workerd (through Miniflare), one Node test per case.
 *
 * Why workerd and not an in-memory SQLite in Node: Node 20 has no node:sqlite; a native module
 * (better-sqlite3) needs a compiler or a download from outside the npm registry; a WebAssembly
 * SQLite is another build of another version, with other answers for blobs and large integers and
 * none of workerd's own rules (no BEGIN, one statement per exec with bindings). Running the cases
 * in workerd tests the SQLite that ships, through the same `SqlStorage` API, at ~1 s of start-up.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

function casesFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...casesFiles(p));
    else if (name.endsWith(".cases.ts")) out.push(p);
  }
  return out;
}

/** The Worker's own compatibility date, so the cases run under the runtime behaviour that ships. */
const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))?.[1];
if (!COMPATIBILITY_DATE) throw new Error("wrangler.toml has no compatibility_date");

const files = casesFiles(HERE);
/** Suite names are the cases files' paths under test/unit, without ".cases.ts". */
const suites = files.map((f) => relative(HERE, f).split(sep).join("/").replace(/\.cases\.ts$/, ""));

const entry = `
import { DurableObject } from "cloudflare:workers";
${files.map((f, i) => `import { cases as suite${i} } from ${JSON.stringify(f)};`).join("\n")}
const SUITES = { ${suites.map((s, i) => `${JSON.stringify(s)}: suite${i}`).join(", ")} };
export class StoreCase extends DurableObject {
  async run(suite, name) {
    try {
      await SUITES[suite][name](this.ctx.storage.sql, this.ctx.storage);
      return null;
    } catch (e) {
      return e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/list") {
      return Response.json(Object.fromEntries(Object.entries(SUITES).map(([s, cases]) => [s, Object.keys(cases)])));
    }
    const stub = env.STORE_CASE.get(env.STORE_CASE.newUniqueId());
    return Response.json({ failure: await stub.run(url.searchParams.get("suite"), url.searchParams.get("case")) });
  },
};
`;

const bundle = await build({
  stdin: { contents: entry, resolveDir: ROOT, loader: "ts", sourcefile: "store-cases-entry.ts" },
  bundle: true,
  format: "esm",
  platform: "browser",
  external: ["cloudflare:*", "node:*"],
  write: false,
  logLevel: "silent",
});
const mf = new Miniflare({
  modules: [{ type: "ESModule", path: join(ROOT, "store-cases.mjs"), contents: bundle.outputFiles[0].text }],
  compatibilityDate: COMPATIBILITY_DATE,
  // For node:assert in the cases only. The Worker runs without it; a store importing node:*
  // fails the type check, whose main tsconfig has no Node types.
  compatibilityFlags: ["nodejs_compat"],
  durableObjects: { STORE_CASE: { className: "StoreCase", useSQLite: true } },
});
after(() => mf.dispose());

const listed = (await (await mf.dispatchFetch("http://localhost/list")).json()) as Record<string, string[]>;

test("every cases file is found and has cases", () => {
  assert.ok(suites.length > 0, "no *.cases.ts under test/unit");
  for (const s of suites) assert.ok((listed[s] ?? []).length > 0, `${s}.cases.ts exports no cases`);
});

for (const [suite, names] of Object.entries(listed)) {
  for (const name of names) {
    test(`${suite}: ${name}`, async () => {
      const res = await mf.dispatchFetch(`http://localhost/run?suite=${encodeURIComponent(suite)}&case=${encodeURIComponent(name)}`);
      const { failure } = (await res.json()) as { failure: string | null };
      if (failure !== null) assert.fail(failure);
    });
  }
}
