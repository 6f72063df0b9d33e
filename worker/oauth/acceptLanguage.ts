/**
 * The languages a browser asks for (Accept-Language, RFC 9110 §12.5.4), most wanted first, for
 * picking a client's localized name (`client_name#<lang>`). Weights order the tags; "*" and
 * tags weighted 0 name nothing to look up. A regional tag is followed by its language
 * ("fr-CA", then "fr": RFC 4647 lookup), since a client names "fr" far more often than "fr-CA".
 * A header too long to be honest is ignored.
 */
export function acceptedLanguages(header: string | null): string[] {
  if (!header || header.length > 1024) return [];
  const tags: { tag: string; q: number; at: number }[] = [];
  header.split(",").forEach((part, at) => {
    const [tag = "", ...params] = part.split(";").map((p) => p.trim());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (tag && tag !== "*" && Number.isFinite(q) && q > 0) tags.push({ tag, q, at });
  });
  const out: string[] = [];
  for (const { tag } of tags.sort((a, b) => b.q - a.q || a.at - b.at)) {
    for (const t of [tag, tag.split("-")[0]]) if (t && !out.includes(t)) out.push(t);
  }
  return out;
}
