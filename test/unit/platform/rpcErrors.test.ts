/**
 * Errors thrown inside a Durable Object's RPC method reach the calling Worker as workerd makes
 * them — a plain Error that keeps only the message — and toMatrixError / toOAuthError still read
 * back what was thrown. Runs a real Durable Object inside workerd (through Miniflare).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const entry = `
import { DurableObject } from "cloudflare:workers";
import { unknownToken } from "./platform/errors.ts";
import { toMatrixError } from "./platform/errors.ts";
import { invalidGrant, toOAuthError } from "./protocol/oauth/errors.ts";
export class Thrower extends DurableObject {
  async matrix() { throw unknownToken("Access token has expired", true); }
  async oauth() { throw invalidGrant("The authorization code was already used"); }
}
export default {
  async fetch(request, env) {
    const stub = env.THROWER.get(env.THROWER.idFromName("x"));
    const out = {};
    try { await stub.matrix(); } catch (e) {
      const m = toMatrixError(e);
      out.matrix = { isError: e instanceof Error, status: m?.status, body: m?.body() };
    }
    try { await stub.oauth(); } catch (e) {
      const o = toOAuthError(e);
      out.oauth = { isError: e instanceof Error, status: o?.status, body: o?.toJSON(), asMatrix: toMatrixError(e) === undefined ? null : "matrix" };
    }
    return Response.json(out);
  },
};
`;

test("MatrixError and OAuthError thrown in a Durable Object RPC are recognised by the Worker", { timeout: 60_000 }, async () => {
  const bundle = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts", sourcefile: "rpc-errors-entry.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: join(ROOT, "rpc-errors.mjs"), contents: bundle.outputFiles[0].text }],
    compatibilityDate: "2026-04-01",
    durableObjects: { THROWER: "Thrower" },
  });
  try {
    const got = (await (await mf.dispatchFetch("http://localhost/")).json()) as Record<string, unknown>;
    assert.deepEqual(got, {
      matrix: { isError: true, status: 401, body: { errcode: "M_UNKNOWN_TOKEN", error: "Access token has expired", soft_logout: true } },
      oauth: { isError: true, status: 400, body: { error: "invalid_grant", error_description: "The authorization code was already used" }, asMatrix: null },
    });
  } finally {
    await mf.dispose();
  }
});
