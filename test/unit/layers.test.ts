/**
 * The layers of the code base import one way (README "Layout"):
 *
 *   worker/ → durable-objects/ (+ schema/) → federation-client/ → platform/ → protocol/
 *
 * A file may import its own layer and any layer below it, never one above; nothing imports in a
 * circle, type-only imports included (they are how a layer starts to depend on another). The
 * Worker reaches a Durable Object only through its RPC contract in platform/rpc/: the one file
 * of worker/ that imports durable-objects/ is the entry point, which exports the classes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Each layer and the layers it may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: [],
  platform: ["protocol"],
  "federation-client": ["platform", "protocol"],
  schema: [],
  "durable-objects": ["schema", "federation-client", "platform", "protocol"],
  worker: ["durable-objects", "federation-client", "platform", "protocol"],
};

/** Packages a layer may import; protocol/ stays pure, with tweetnacl for Ed25519. */
const PACKAGES_OF_PROTOCOL = new Set(["tweetnacl"]);

const WORKER_ENTRY = "worker/index.ts";

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path.split(sep).join("/"));
  }
  return out;
}

interface Edge {
  from: string;
  /** A repository path for relative imports, else the package name. */
  to: string;
  relative: boolean;
}

function importsOf(file: string): Edge[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  return info.importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith(".")) return { from: file, to: fileName, relative: false };
    const target = normalize(join(dirname(file), fileName)).split(sep).join("/").replace(/\.js$/, ".ts");
    return { from: file, to: target, relative: true };
  });
}

const layerOf = (file: string) => file.split("/")[0];

const files = Object.keys(MAY_IMPORT).flatMap(sourceFiles);
const edges = files.flatMap(importsOf);

test("every layer imports only itself and the layers below it", () => {
  const wrong: string[] = [];
  for (const e of edges) {
    if (!e.relative) {
      if (layerOf(e.from) === "protocol" && !PACKAGES_OF_PROTOCOL.has(e.to)) wrong.push(`${e.from} imports the package ${e.to}`);
      continue;
    }
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (to !== from && !MAY_IMPORT[from].includes(to)) wrong.push(`${e.from} imports ${e.to}`);
  }
  assert.deepEqual(wrong, []);
});

test("the Worker reaches Durable Objects only through their RPC contracts (the entry point exports the classes)", () => {
  const wrong = edges
    .filter((e) => e.relative && layerOf(e.from) === "worker" && layerOf(e.to) === "durable-objects")
    .filter((e) => e.from !== WORKER_ENTRY || !/^durable-objects\/[A-Za-z]+DO\.ts$/.test(e.to))
    .map((e) => `${e.from} imports ${e.to}`);
  assert.deepEqual(wrong, []);
});

test("every relative import names a file that exists", () => {
  const known = new Set(files);
  const missing = edges.filter((e) => e.relative && Object.hasOwn(MAY_IMPORT, layerOf(e.to)) && !known.has(e.to));
  assert.deepEqual(missing.map((e) => `${e.from} imports ${e.to}`), []);
});

test("nothing imports in a circle", () => {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.relative) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Depth-first search; a "grey" file is on the current path, so reaching it again closes a cycle.
  const state = new Map<string, "grey" | "black">();
  const cycles: string[] = [];
  const path: string[] = [];
  const visit = (f: string) => {
    state.set(f, "grey");
    path.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === "grey") cycles.push([...path.slice(path.indexOf(t)), t].join(" → "));
      else if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(f, "black");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test("the check sees the code base (a sanity check on the walk itself)", () => {
  assert.ok(files.includes(WORKER_ENTRY));
  assert.ok(files.some((f) => f.startsWith("protocol/")));
  assert.ok(edges.length > files.length, `${edges.length} imports in ${files.length} files`);
});

/**
 * SQL lives in store modules: files named `*Store.ts` under durable-objects/, one per table family,
 * each the only writer of its tables (and schema/, which defines and applies the schema, including
 * a migration that must look at the schema before it changes it). A Durable
 * Object hands `ctx.storage.sql` to its stores and asks them; everything above reads and writes
 * through their methods. A file "speaks SQL" when it names SqlStorage or calls `sql.exec`.
 */
const SQL_ALLOWED = (file: string) => /^durable-objects\/(.+\/)?[a-z][A-Za-z]*Store\.ts$/.test(file) || file.startsWith("schema/");

const speaksSql = (file: string) => /\bSqlStorage\b|\bsql\s*\.\s*exec\b/.test(readFileSync(join(ROOT, file), "utf8"));

test("only store modules speak SQL", () => {
  const wrong = files.filter((f) => !SQL_ALLOWED(f) && speaksSql(f));
  assert.deepEqual(wrong, [], "move these queries into a *Store.ts module");
  assert.ok(files.some((f) => SQL_ALLOWED(f) && speaksSql(f)), "the check finds the stores themselves");
});

/** Lines a file may have before it must say why it is one file. */
const MAX_LINES = 600;
/** Longer files, each with the reason it stays whole (none today). */
const LONG_FILES: Record<string, string> = {};

test(`no file is over ${MAX_LINES} lines without a stated reason`, () => {
  const lines = (f: string) => readFileSync(join(ROOT, f), "utf8").split("\n").length;
  const long = files.filter((f) => lines(f) > MAX_LINES && !Object.hasOwn(LONG_FILES, f)).map((f) => `${f}: ${lines(f)} lines`);
  assert.deepEqual(long, []);
  const short = Object.keys(LONG_FILES).filter((f) => !files.includes(f) || lines(f) <= MAX_LINES);
  assert.deepEqual(short, [], "these are short now: take them off LONG_FILES");
});
