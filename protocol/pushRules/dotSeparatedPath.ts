/**
 * Dot-separated property paths (spec appendix "Dot-separated property paths"), used by push
 * conditions (`content.m\.relates_to.rel_type`) and by filters' `event_fields`.
 *
 * `\.` is a literal dot and `\\` a literal backslash inside a property name; any other escape
 * (`\x`) is kept as a literal backslash followed by the character, as the spec asks.
 */
export function parseDotSeparatedPath(path: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "\\") {
      const next = path[i + 1];
      if (next === "." || next === "\\") {
        current += next;
        i++;
      } else {
        current += c;
      }
    } else if (c === ".") {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Parsing is cheap but runs for every condition of every rule for every event, so keep results. */
const parsedPaths = new Map<string, string[]>();
const MAX_CACHED_PATHS = 1000;

function cachedParse(path: string): string[] {
  let parts = parsedPaths.get(path);
  if (!parts) {
    if (parsedPaths.size >= MAX_CACHED_PATHS) parsedPaths.clear();
    parts = parseDotSeparatedPath(path);
    parsedPaths.set(path, parts);
  }
  return parts;
}

/**
 * The value at a dot-separated path, or `undefined` when any step is missing or is not an object
 * (paths never index into arrays). Own properties only, so `constructor` and friends are absent.
 */
export function lookupDotSeparatedPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const name of cachedParse(path)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}
