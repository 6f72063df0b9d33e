/** Sync filters (spec: Client-Server API "Filtering"). */
export * from "./types.js";
export { FilterError } from "./errors.js";
export {
  validateFilter,
  validateEventFilter,
  validateRoomEventFilter,
  parseFilterJson,
} from "./validateFilter.js";
export {
  eventMatchesFilter,
  roomMatchesFilter,
  typeMatches,
  filterEvents,
  type FilterableEvent,
} from "./eventMatchesFilter.js";
export { filterLimit, limitEvents, type LimitPolicy } from "./limit.js";
export { applyEventFields } from "./applyEventFields.js";
