import { lookupDotSeparatedPath, parseDotSeparatedPath } from "../pushRules/dotSeparatedPath.js";

/**
 * The filter's `event_fields`: a copy of the event holding only the listed dot-separated paths
 * (with the spec's `\.` escaping), nested as in the original. Paths that are missing, or that
 * would go through a non-object, are skipped. Without `event_fields` the event is returned as is;
 * with an empty list, nothing is included (the spec: "If this list is absent then all fields are
 * included", so a present list is taken literally).
 *
 * Values are deep-copied so that the result can be changed without touching the stored event.
 */
export function applyEventFields(event: object, fields: readonly string[] | undefined): Record<string, unknown> {
  if (fields === undefined) return event as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const value = lookupDotSeparatedPath(event, field);
    if (value === undefined) continue;
    const path = parseDotSeparatedPath(field);
    let target = result;
    for (const name of path.slice(0, -1)) {
      // Own properties only: reading an inherited "__proto__" would hand us Object.prototype.
      const existing = Object.hasOwn(target, name) ? target[name] : undefined;
      if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) {
        target = existing as Record<string, unknown>;
      } else {
        const created: Record<string, unknown> = {};
        Object.defineProperty(target, name, { value: created, enumerable: true, writable: true, configurable: true });
        target = created;
      }
    }
    // defineProperty rather than assignment so that a field named "__proto__" stays a plain key.
    Object.defineProperty(target, path[path.length - 1], {
      value: deepCopy(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(copy, k, { value: deepCopy(v), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return value;
}
