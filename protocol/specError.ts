import type { Errcode } from "./errcodes.js";

/**
 * A refusal by a pure protocol rule, carrying the spec's HTTP status and errcode (a bad filter, a
 * bad pusher, a bad push rule edit, a bad sliding sync request). protocol/ sits below
 * platform/errors.ts, so it cannot throw a MatrixError; the Worker's error handler turns any
 * SpecError into one (platform/errors.ts toMatrixError), so handlers need not catch them.
 */
export class SpecError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: Errcode,
    message: string,
  ) {
    super(message);
    this.name = "SpecError";
  }
}
