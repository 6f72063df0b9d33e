import type { Errcode } from "../errcodes.js";
import { SpecError } from "../specError.js";

/** A sliding sync request that the server refuses (400), as a SpecError. */
export class SlidingSyncRequestError extends SpecError {
  constructor(
    override readonly errcode: Extract<Errcode, "M_BAD_JSON" | "M_INVALID_PARAM">,
    message: string,
  ) {
    super(400, errcode, message);
    this.name = "SlidingSyncRequestError";
  }
}
