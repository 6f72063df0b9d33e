/**
 * The text of an event that server-side search indexes (spec: "Server Side Search",
 * `room_events`): `content.body` of m.room.message, `content.name` of m.room.name, and for
 * m.room.topic `content.topic` plus the `text/plain` bodies of `content["m.topic"]`. Encrypted
 * events (m.room.encrypted) have no such keys, so they are never indexed — the spec excludes
 * end-to-end encrypted rooms from search.
 */
export interface SearchableText {
  body?: string;
  name?: string;
  topic?: string;
}

/** The search columns, named after the spec's `keys` (content.body → body, …). */
export const SEARCH_COLUMNS = { "content.body": "body", "content.name": "name", "content.topic": "topic" } as const;
export type SearchKey = keyof typeof SEARCH_COLUMNS;
export const SEARCH_KEYS = Object.keys(SEARCH_COLUMNS) as SearchKey[];

export function searchableText(type: string, content: Record<string, unknown>): SearchableText | undefined {
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);
  if (type === "m.room.message") {
    const body = str(content.body);
    return body === undefined ? undefined : { body };
  }
  if (type === "m.room.name") {
    const name = str(content.name);
    return name === undefined ? undefined : { name };
  }
  if (type === "m.room.topic") {
    // The plain-text representation usually repeats content.topic: index each text once.
    const parts = new Set([str(content.topic), ...plainTopicBodies(content["m.topic"])].filter((p): p is string => p !== undefined));
    return parts.size === 0 ? undefined : { topic: [...parts].join("\n") };
  }
  return undefined;
}

/** TextualRepresentation bodies of m.topic whose mimetype is text/plain (the default when absent). */
function plainTopicBodies(mTopic: unknown): (string | undefined)[] {
  if (typeof mTopic !== "object" || mTopic === null) return [];
  const reps = (mTopic as Record<string, unknown>)["m.text"];
  if (!Array.isArray(reps)) return [];
  return reps.map((r: unknown) => {
    if (typeof r !== "object" || r === null) return undefined;
    const { mimetype, body } = r as Record<string, unknown>;
    if (mimetype !== undefined && mimetype !== "text/plain") return undefined;
    return typeof body === "string" && body.trim() !== "" ? body : undefined;
  });
}
