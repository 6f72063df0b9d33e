import type { Errcode } from "../errcodes.js";
import { SpecError } from "../specError.js";

/** Errors from POST /pushers/set, with the spec's errcode and HTTP status (a SpecError). */
export class PusherError extends SpecError {
  constructor(
    override readonly status: 400,
    override readonly errcode: Extract<Errcode, "M_MISSING_PARAM" | "M_INVALID_PARAM" | "M_THREEPID_NOT_FOUND">,
    message: string,
  ) {
    super(status, errcode, message);
    this.name = "PusherError";
  }
}

export const missingPusherParam = (message: string) => new PusherError(400, "M_MISSING_PARAM", message);
export const invalidPusherParam = (message: string) => new PusherError(400, "M_INVALID_PARAM", message);
