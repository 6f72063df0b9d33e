import { isJsonObject, type JsonObject } from "./json.js";

/**
 * The wire form of an error class whose instances cross a Durable Object's RPC. workerd carries
 * only the message of a thrown error back to the caller (it drops the class and its fields), so
 * such an error's message is `<Name> {json}`, and the caller reads the JSON back. The runtime may
 * put the error's name in front of the message ("<Name>: <Name> {…}"). Used by MatrixError
 * (platform/errors.ts) and OAuthError (protocol/oauth/errors.ts).
 */
export function wireMessage(name: string, fields: Record<string, unknown>): string {
  return `${name} ${JSON.stringify(fields)}`;
}

/** The fields a thrown error carried in its wire form under `name`, or undefined when it has none. */
export function wireFields(e: unknown, name: string): JsonObject | undefined {
  if (!(e instanceof Error)) return undefined;
  const prefix = `${name} {`;
  const at = e.message.indexOf(prefix);
  if (at !== 0 && at !== `${name}: `.length) return undefined;
  try {
    const wire: unknown = JSON.parse(e.message.slice(at + name.length + 1));
    return isJsonObject(wire) ? wire : undefined;
  } catch {
    return undefined;
  }
}
