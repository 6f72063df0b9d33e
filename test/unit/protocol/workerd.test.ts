/**
 * The protocol basics run unchanged inside workerd (through Miniflare): bundled the way a Worker
 * is, with no Node built-ins, giving the spec's test-vector answers there too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

test("protocol basics inside workerd give the spec's answers", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "lattice-protocol-workerd-"));
  const outfile = join(dir, "worker.mjs");
  const mf = await (async () => {
    await build({
      entryPoints: [fileURLToPath(new URL("./workerd/entry.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser", // no Node built-ins may sneak in
      outfile,
      logLevel: "silent",
    });
    return new Miniflare({ modules: true, modulesRoot: dir, scriptPath: outfile, compatibilityDate: "2026-04-01" });
  })();
  try {
    const response = await mf.dispatchFetch("http://localhost/");
    const result = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(result, {
      publicKey: "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI",
      jsonSignature: "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
      jsonVerifies: true,
      eventHash: { sha256: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" },
      eventSignature: {
        domain: {
          "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
        },
      },
      canonical: '{"b":[0],"\uFFFF":2,"\u{1F600}":1}',
      emptySha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
      roomIdMatches: true,
      createVerifies: true,
    });
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
