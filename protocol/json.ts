/** JSON values as they travel in Matrix: no floats in signed objects, but clients may send them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Writes an own property even when the key is "__proto__" (plain assignment would set the prototype). */
export function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
