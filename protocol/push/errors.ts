import type { Errcode } from "../errcodes.js";

/**
 * Errors from POST /pushers/set, carrying the spec's errcode and HTTP status so the Worker can
 * turn them into a Matrix error reply without knowing pusher details. (protocol/ sits below
 * platform/errors.ts, hence a local class with the same shape as PushRuleError.)
 */
export class PusherError extends Error {
  constructor(
    readonly status: 400,
    readonly errcode: Extract<Errcode, "M_MISSING_PARAM" | "M_INVALID_PARAM" | "M_THREEPID_NOT_FOUND">,
    message: string,
  ) {
    super(message);
    this.name = "PusherError";
  }
}

export const missingPusherParam = (message: string) => new PusherError(400, "M_MISSING_PARAM", message);
export const invalidPusherParam = (message: string) => new PusherError(400, "M_INVALID_PARAM", message);
