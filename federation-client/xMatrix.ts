/**
 * The `X-Matrix` Authorization header (spec: server-server API, "Request Authentication").
 *
 * Grammar (RFC 9110 §11.4 auth-param): `X-Matrix` followed by one or more spaces, then
 * comma-separated `name=value` pairs with optional spaces and tabs around each comma. Names are
 * case-insensitive; a value is a token or a quoted-string whose backslash pairs are unescaped.
 * For older servers, unquoted values may also contain colons (`key=ed25519:abc`).
 *
 * Pure code, no Cloudflare imports: the unit tests run it in Node.
 */

export interface XMatrixAuth {
  origin: string;
  /** Optional for compatibility with servers older than v1.3; always sent by us. */
  destination?: string;
  key: string;
  sig: string;
}

export class XMatrixParseError extends Error {
  override name = "XMatrixParseError";
}

/** RFC 9110 tchar, plus ':' which the spec asks recipients to accept unquoted. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:]/;
const NAME_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Parses an Authorization header value; throws XMatrixParseError on anything malformed. */
export function parseXMatrix(header: string): XMatrixAuth {
  const m = /^X-Matrix +/i.exec(header);
  if (!m) throw new XMatrixParseError("not an X-Matrix authorization");
  const s = header;
  let i = m[0].length;
  const params = new Map<string, string>();
  const isWs = (c: string | undefined) => c === " " || c === "\t";
  for (;;) {
    // name
    const nameStart = i;
    while (i < s.length && NAME_CHAR.test(s[i])) i++;
    if (i === nameStart) throw new XMatrixParseError("expected a parameter name");
    const name = s.slice(nameStart, i).toLowerCase();
    if (s[i] !== "=") throw new XMatrixParseError(`expected '=' after ${name}`);
    i++;
    // value
    let value = "";
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i];
        if (c === "\\") {
          if (i + 1 >= s.length) throw new XMatrixParseError("dangling backslash");
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          // qdtext: HTAB, SP and visible characters; no control characters.
          const code = c.charCodeAt(0);
          if ((code < 0x20 && c !== "\t") || code === 0x7f) throw new XMatrixParseError("control character in quoted value");
          value += c;
          i++;
        }
      }
      if (!closed) throw new XMatrixParseError("unterminated quoted value");
    } else {
      const start = i;
      while (i < s.length && TOKEN_CHAR.test(s[i])) i++;
      if (i === start) throw new XMatrixParseError(`empty value for ${name}`);
      value = s.slice(start, i);
    }
    // The first occurrence wins; a repeated parameter is malformed.
    if (params.has(name)) throw new XMatrixParseError(`repeated parameter ${name}`);
    params.set(name, value);
    while (isWs(s[i])) i++;
    if (i >= s.length) break;
    if (s[i] !== ",") throw new XMatrixParseError("expected ',' between parameters");
    i++;
    while (isWs(s[i])) i++;
  }
  const origin = params.get("origin");
  const key = params.get("key");
  const sig = params.get("sig");
  if (!origin) throw new XMatrixParseError("missing origin");
  if (!key) throw new XMatrixParseError("missing key");
  if (!sig) throw new XMatrixParseError("missing sig");
  const out: XMatrixAuth = { origin, key, sig };
  const destination = params.get("destination");
  if (destination !== undefined) out.destination = destination;
  return out;
}

/**
 * Formats the header as the spec asks senders to for older servers: one space after the scheme,
 * lower-case names, quoted values, no whitespace around commas. Our values never need escaping
 * (server names, key IDs and base64); a quote or backslash would be escaped anyway.
 */
export function formatXMatrix(auth: XMatrixAuth & { destination: string }): string {
  const q = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `X-Matrix origin=${q(auth.origin)},destination=${q(auth.destination)},key=${q(auth.key)},sig=${q(auth.sig)}`;
}
