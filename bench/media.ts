/**
 * Media benchmark: upload and download throughput (MB/s) of a 20 MB file through the Worker
 * into and out of R2, and thumbnail time for a 4000×3000 JPEG (first request generates it in
 * wasm, later ones hit the R2 cache). Figures are medians of a few runs; they measure local
 * workerd (wrangler dev), not Cloudflare's network.
 *
 * Used by bench/run.ts; alone: `node --import tsx bench/media.ts` starts its own server.
 */
import { pathToFileURL } from "node:url";
import { PhotonImage } from "@cf-wasm/photon/node";
import { startServer, registerUser } from "../test/e2e/harness.js";

const MB = 1024 * 1024;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A 4000×3000 photo-like JPEG (smooth gradients plus noise, so it compresses like a photo). */
function bigJpeg(): Uint8Array {
  const w = 4000;
  const h = 3000;
  const px = new Uint8Array(w * h * 4);
  let x = 1;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const p = (y * w + i) * 4;
      const n = (x >>> 28) - 8;
      px[p] = ((i * 255) / w + n) & 255;
      px[p + 1] = ((y * 255) / h + n) & 255;
      px[p + 2] = (((i + y) * 128) / (w + h) + n) & 255;
      px[p + 3] = 255;
    }
  }
  const img = new PhotonImage(px, w, h);
  try {
    return img.get_bytes_jpeg(85);
  } finally {
    img.free();
  }
}

async function upload(baseUrl: string, token: string, body: Uint8Array, type: string): Promise<string> {
  const r = await fetch(`${baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
    body: new Uint8Array(body),
  });
  if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${await r.text()}`);
  const j = (await r.json()) as { content_uri: string };
  return j.content_uri.split("/").pop() ?? "";
}

async function timedGet(url: string, token: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  const bytes = (await r.arrayBuffer()).byteLength;
  return { ms: performance.now() - t0, bytes };
}

export async function benchMedia(baseUrl: string, token: string): Promise<Record<string, number>> {
  const size = 20 * MB;
  const file = randomBytes(size);
  const up: number[] = [];
  const down: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const id = await upload(baseUrl, token, file, "application/octet-stream");
    up.push(performance.now() - t0);
    const d = await timedGet(`${baseUrl}/_matrix/client/v1/media/download/localhost/${id}`, token);
    if (d.bytes !== size) throw new Error("download size mismatch");
    down.push(d.ms);
  }

  const jpeg = bigJpeg();
  const jpegId = await upload(baseUrl, token, jpeg, "image/jpeg");
  const thumbUrl = (w: number, h: number, m: string) => `${baseUrl}/_matrix/client/v1/media/thumbnail/localhost/${jpegId}?width=${w}&height=${h}&method=${m}`;
  // Each of the spec's recommended sizes is generated once (uncached), then fetched again (cached).
  const sizes: [number, number, string][] = [[32, 32, "crop"], [96, 96, "crop"], [320, 240, "scale"], [640, 480, "scale"], [800, 600, "scale"]];
  const generated: number[] = [];
  const cached: number[] = [];
  for (const [w, h, m] of sizes) generated.push((await timedGet(thumbUrl(w, h, m), token)).ms);
  for (const [w, h, m] of sizes) cached.push((await timedGet(thumbUrl(w, h, m), token)).ms);

  return {
    upload_20MB_MBps: round(size / MB / (median(up) / 1000)),
    download_20MB_MBps: round(size / MB / (median(down) / 1000)),
    upload_20MB_ms: round(median(up)),
    download_20MB_ms: round(median(down)),
    thumbnail_4000x3000_jpeg_bytes: jpeg.byteLength,
    thumbnail_4000x3000_generate_ms_median: round(median(generated)),
    thumbnail_4000x3000_generate_ms_max: round(Math.max(...generated)),
    thumbnail_cached_ms_median: round(median(cached)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const server = await startServer();
  try {
    const user = await registerUser(server.baseUrl);
    console.log(JSON.stringify(await benchMedia(server.baseUrl, user.accessToken), null, 2));
  } finally {
    await server.stop();
  }
}
