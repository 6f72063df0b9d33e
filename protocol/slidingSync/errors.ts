import type { Errcode } from "../errcodes.js";

/** A sliding sync request that the server refuses (400): the caller turns it into the Matrix error. */
export class SlidingSyncRequestError extends Error {
  readonly status = 400;
  constructor(
    readonly errcode: Extract<Errcode, "M_BAD_JSON" | "M_INVALID_PARAM">,
    message: string,
  ) {
    super(message);
    this.name = "SlidingSyncRequestError";
  }
}
