import { invalidRequest } from "../../protocol/oauth/errors.js";
import { readForm as readPageForm } from "./pages/form.js";

/**
 * Form bodies of the token, revocation and device endpoints (RFC 6749 §3.2, RFC 7009 §2.1,
 * RFC 8628 §3.1): read as the pages read theirs, refused in RFC 6749's words.
 */
export async function readForm(request: Request): Promise<URLSearchParams> {
  const form = await readPageForm(request);
  if (!form) throw invalidRequest("The body must be application/x-www-form-urlencoded, UTF-8 and at most 16 KiB");
  return form;
}

/**
 * A parameter that must appear at most once (RFC 6749 §3.1: "Request and response parameters
 * MUST NOT be included more than once"); undefined when absent or empty.
 */
export function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw invalidRequest(`'${name}' is given more than once`);
  return all[0] === undefined || all[0] === "" ? undefined : all[0];
}

export function required(params: URLSearchParams, name: string): string {
  const value = single(params, name);
  if (value === undefined) throw invalidRequest(`'${name}' is required`);
  return value;
}
