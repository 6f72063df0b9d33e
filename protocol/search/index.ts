/** Server-side search (spec: client-server-api "Server Side Search"): the pure parts. */
export { SearchError } from "./searchError.js";
export { searchableText, SEARCH_KEYS, SEARCH_COLUMNS, type SearchKey, type SearchableText } from "./searchableText.js";
export { toFtsQuery, tokensOf, type FtsQuery } from "./ftsQuery.js";
export { highlights } from "./highlights.js";
export { compareKeys, tieAfter, mergeCandidates, type SearchOrder, type SortKey, type RoomCandidates } from "./resultOrder.js";
export { encodeNextBatch, decodeNextBatch, type NextBatch } from "./nextBatch.js";
export { parseSearchRequest, searchLimit, type RoomEventsCriteria, type EventContextRequest, type GroupKey } from "./searchRequest.js";
