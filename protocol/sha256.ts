/**
 * SHA-256, the only hash Matrix uses for events (content hashes, reference hashes, event IDs,
 * v12 room IDs). WebCrypto's digest is native in both Node and workerd.
 */

const utf8 = new TextEncoder();

/** SHA-256 of `data`; a string is hashed as its UTF-8 bytes. Resolves to the 32-byte digest. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  // WebCrypto's types only take ArrayBuffer-backed views (not SharedArrayBuffer ones).
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}
