/**
 * OpenGraph metadata from an HTML page, for URL previews: the `og:*` meta properties, with the
 * page's <title> and meta description as fallbacks. A small tolerant scanner over the <head>
 * rather than a DOM: previews only need a handful of meta tags, and a real parser would cost
 * more CPU than a Worker request has.
 */
const ATTR = /([a-zA-Z_:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
const MAX_VALUE = 2000;

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
    return named[e.toLowerCase()] ?? all;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(ATTR)) out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  return out;
}

const clean = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, MAX_VALUE);

export function parseOpenGraph(html: string): Record<string, string> {
  const og: Record<string, string> = {};
  let description: string | undefined;
  for (const m of html.matchAll(/<meta\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    const key = (a.property ?? a.name ?? "").toLowerCase();
    const content = a.content;
    if (!key || content === undefined) continue;
    if (key.startsWith("og:") && !(key in og)) og[key] = clean(content);
    else if (key === "description" && description === undefined) description = clean(content);
    else if (key === "twitter:image" && !og["og:image"]) og["og:image"] = clean(content);
  }
  if (!og["og:title"]) {
    const t = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html);
    if (t) og["og:title"] = clean(decodeEntities(t[1]));
  }
  if (!og["og:description"] && description) og["og:description"] = description;
  return og;
}

/** The charset an HTML page declares in its Content-Type header or a <meta charset>. */
export function charsetOf(contentType: string, head: Uint8Array): string {
  const fromHeader = /charset\s*=\s*"?([\w-]+)/i.exec(contentType);
  if (fromHeader) return fromHeader[1].toLowerCase();
  let text = "";
  for (const b of head.subarray(0, 2048)) text += String.fromCharCode(b);
  const fromMeta = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(text);
  return fromMeta ? fromMeta[1].toLowerCase() : "utf-8";
}
