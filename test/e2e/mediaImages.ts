/**
 * Small pure-JS image writers for the media tests: PNG (zlib from node) and GIF (uncompressed
 * LZW), plus crafted "decompression bomb" headers. JPEG and WebP test images are committed
 * fixtures under test/fixtures/media/ (see generate.ts there).
 */
import { deflateSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = 8; // bit depth
  h[9] = 6; // RGBA
  return chunk("IHDR", h);
}

/** An RGBA PNG of a deterministic gradient. */
export function makePng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    for (let x = 0; x < width; x++) {
      const p = row + 1 + x * 4;
      raw[p] = (x * 255) / width;
      raw[p + 1] = (y * 255) / height;
      raw[p + 2] = 128;
      raw[p + 3] = 255;
    }
  }
  return Buffer.concat([PNG_SIG, ihdr(width, height), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array())]);
}

/** A tiny valid-looking PNG whose header claims width×height (a decompression bomb's calling card). */
export function makePngBomb(width: number, height: number): Buffer {
  const row = Buffer.alloc(1 + 4 * 16);
  return Buffer.concat([PNG_SIG, ihdr(width, height), chunk("IDAT", deflateSync(row)), chunk("IEND", new Uint8Array())]);
}

/**
 * A GIF with a 256-colour palette; LZW codes stay 9 bits wide by sending a clear code every
 * 254 pixels, so no compression logic is needed. `frames` > 1 makes an animated GIF.
 */
export function makeGif(width: number, height: number, frames = 1): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(13);
  header.write("GIF89a", 0, "latin1");
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0xf7; // global colour table, 8 bits
  parts.push(header);
  const palette = Buffer.alloc(768);
  for (let i = 0; i < 256; i++) {
    palette[i * 3] = i;
    palette[i * 3 + 1] = 255 - i;
    palette[i * 3 + 2] = (i * 7) & 255;
  }
  parts.push(palette);
  if (frames > 1) parts.push(Buffer.from([0x21, 0xff, 0x0b, ..."NETSCAPE2.0"].map((c) => (typeof c === "string" ? c.charCodeAt(0) : c))), Buffer.from([3, 1, 0, 0, 0]));
  for (let f = 0; f < frames; f++) {
    parts.push(Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0])); // graphic control: 100 ms
    const desc = Buffer.alloc(10);
    desc[0] = 0x2c;
    desc.writeUInt16LE(width, 5);
    desc.writeUInt16LE(height, 7);
    parts.push(desc, Buffer.from([8]));
    const codes: number[] = [];
    let run = 0;
    codes.push(256);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        codes.push((x + y + f * 40) & 255);
        if (++run === 254) {
          codes.push(256);
          run = 0;
        }
      }
    }
    codes.push(257);
    const bytes: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const c of codes) {
      acc |= c << bits;
      bits += 9;
      while (bits >= 8) {
        bytes.push(acc & 255);
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) bytes.push(acc & 255);
    for (let i = 0; i < bytes.length; i += 255) {
      const block = bytes.slice(i, i + 255);
      parts.push(Buffer.from([block.length, ...block]));
    }
    parts.push(Buffer.from([0]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

export function fixture(name: string): Buffer {
  return readFileSync(join(import.meta.dirname, "..", "fixtures", "media", name));
}
