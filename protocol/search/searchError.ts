import type { Errcode } from "../errcodes.js";
import { SpecError } from "../specError.js";

/**
 * A refused POST /search request: M_BAD_JSON when a field is missing or has the wrong type,
 * M_INVALID_PARAM when a well-typed value is not one the spec allows (an unknown order_by, key or
 * group, a next_batch this server did not hand out). Always HTTP 400.
 */
export class SearchError extends SpecError {
  constructor(errcode: Extract<Errcode, "M_BAD_JSON" | "M_INVALID_PARAM">, message: string) {
    super(400, errcode, message);
    this.name = "SearchError";
  }
}
