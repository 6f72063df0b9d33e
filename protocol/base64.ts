/**
 * Base64 as Matrix uses it (spec: appendices, "Unpadded Base64" and "URL-safe unpadded Base64").
 *
 * Matrix always *emits* base64 without `=` padding: the standard alphabet for keys, signatures and
 * hashes, and the URL-safe alphabet for room version 4+ event IDs. When *reading*, the spec asks
 * implementations to accept input with or without padding, so the decoder is lenient about
 * padding and alphabet but strict about everything else.
 *
 * Written by hand rather than with `btoa`/`atob` because those work on "binary strings" (an extra
 * copy per call) and because the same code must run unchanged in Node and in workerd.
 */

const STANDARD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Character code → 6-bit value; -1 for characters outside both alphabets. */
const DECODE_TABLE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) {
    table[STANDARD_ALPHABET.charCodeAt(i)] = i;
    table[URL_SAFE_ALPHABET.charCodeAt(i)] = i;
  }
  return table;
})();

export class Base64Error extends Error {
  override name = "Base64Error";
}

function encodeWith(bytes: Uint8Array, alphabet: string): string {
  let out = "";
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63] + alphabet[(n >>> 6) & 63] + alphabet[n & 63];
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full] << 16;
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[full] << 16) | (bytes[full + 1] << 8);
    out += alphabet[n >>> 18] + alphabet[(n >>> 12) & 63] + alphabet[(n >>> 6) & 63];
  }
  return out;
}

/** Unpadded standard base64 (RFC 4648 §4 alphabet, no `=`): keys, signatures, content hashes. */
export function encodeBase64(bytes: Uint8Array): string {
  return encodeWith(bytes, STANDARD_ALPHABET);
}

/** Unpadded URL-safe base64 (`-` and `_` for values 62 and 63): v4+ event IDs, v12 room IDs. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeWith(bytes, URL_SAFE_ALPHABET);
}

/**
 * Decodes base64 in either alphabet, with or without `=` padding.
 *
 * Throws `Base64Error` on characters outside the alphabets (including whitespace), padding
 * anywhere but the end, and impossible lengths (one leftover character carries only 6 bits).
 * Non-zero unused bits in the last character are tolerated on purpose: the spec's own test seed
 * `YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1` has them, and other servers accept it.
 */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length;
  // Padding: at most two '=' and only where it completes a 4-character group.
  if (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--;
    if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
    if (text.length % 4 !== 0) throw new Base64Error("base64 padding does not complete a 4-character group");
  }
  const remainder = end % 4;
  if (remainder === 1) throw new Base64Error(`base64 text has an impossible length (${end} characters)`);

  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE_TABLE[c] : -1;
    if (v < 0) {
      throw new Base64Error(`invalid base64 character ${JSON.stringify(text[i])} at position ${i}`);
    }
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}
