/**
 * A small reader for the pages' own markup (which these tests know: double-quoted attributes,
 * no comments), enough to check forms, inputs and labels without a DOM library.
 */

export type Attrs = Map<string, string>;

export function attrsOf(tag: string): Attrs {
  const out: Attrs = new Map();
  const inner = tag.replace(/^<\w+/, "").replace(/>$/, "");
  for (const m of inner.matchAll(/([a-zA-Z_:-]+)(?:="([^"]*)")?/g)) out.set(m[1], m[2] ?? "");
  return out;
}

export interface Form {
  attrs: Attrs;
  inner: string;
  inputs: Attrs[];
  buttons: Attrs[];
}

export function formsOf(page: string): Form[] {
  return [...page.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/g)].map((m) => ({
    attrs: attrsOf(m[1]),
    inner: m[2],
    inputs: [...m[2].matchAll(/<input\b[^>]*>/g)].map((i) => attrsOf(i[0])),
    buttons: [...m[2].matchAll(/<button\b[^>]*>/g)].map((b) => attrsOf(b[0])),
  }));
}

/** Label `for` targets on the page. */
export function labelTargets(page: string): Set<string> {
  return new Set([...page.matchAll(/<label\b[^>]*\bfor="([^"]*)"/g)].map((m) => m[1]));
}

/** Problems with a page's forms; empty when every form is as the pages promise. */
export function formProblems(page: string, csrf: string): string[] {
  const problems: string[] = [];
  const labels = labelTargets(page);
  const ids = [...page.matchAll(/\bid="([^"]*)"/g)].map((m) => m[1]);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) problems.push(`duplicate ids ${dup.join(", ")}`);
  const forms = formsOf(page);
  for (const f of forms) {
    const where = `form ${f.attrs.get("action")}`;
    if (f.attrs.get("method") !== "post") problems.push(`${where} is not a POST`);
    if (!f.inputs.some((i) => i.get("type") === "hidden" && i.get("name") === "csrf" && i.get("value") === csrf)) problems.push(`${where} has no csrf field`);
    if (f.buttons.filter((b) => b.get("type") === "submit").length === 0) problems.push(`${where} has no submit button`);
    for (const i of f.inputs) {
      const type = i.get("type");
      if (type === "hidden") continue;
      const id = i.get("id");
      if (!id || !labels.has(id)) problems.push(`${where}: input ${i.get("name")} has no label`);
      if (!i.has("name")) problems.push(`${where}: input ${id} has no name`);
      if ((type === "text" || type === "password") && !i.has("autocomplete")) problems.push(`${where}: input ${i.get("name")} has no autocomplete`);
    }
  }
  return problems;
}
