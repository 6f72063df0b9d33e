import type { Errcode } from "../errcodes.js";
import { SpecError } from "../specError.js";

/**
 * A rejected filter, with the spec's errcode: M_NOT_JSON when an inline filter is not JSON,
 * M_BAD_JSON when a field has the wrong type, M_INVALID_PARAM when a well-typed value is out of
 * range (limit ≤ 0, an unknown event_format, an ID of the wrong sigil). Always HTTP 400.
 * (A SpecError: the Worker's error handler turns it into a MatrixError.)
 */
export class FilterError extends SpecError {
  constructor(
    override readonly errcode: Extract<Errcode, "M_NOT_JSON" | "M_BAD_JSON" | "M_INVALID_PARAM">,
    message: string,
  ) {
    super(400, errcode, message);
    this.name = "FilterError";
  }
}
