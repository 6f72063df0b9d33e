import { MatrixError, badJson, notJson, missingParam, invalidParam, tooLarge } from "../platform/errors.js";
import { isJsonObject, type JsonObject } from "../protocol/json.js";
import { jsonInputProblem, type JsonInputRules } from "../protocol/jsonInput.js";

/** CORS headers the spec asks for on every response, so browser clients (Element Web) work. */
export const CORS_HEADERS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "X-Requested-With, Content-Type, Authorization, Date",
  "Access-Control-Expose-Headers": "ETag, Content-Disposition, Content-Length",
};

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...CORS_HEADERS, ...headers },
  });
}

export function errorResponse(e: MatrixError): Response {
  const headers: Record<string, string> = {};
  const retry = e.extra.retry_after_ms;
  if (e.status === 429 && typeof retry === "number") headers["Retry-After"] = String(Math.ceil(retry / 1000));
  return json(e.body(), e.status, headers);
}

/** Decodes strictly: bytes that are not UTF-8 are refused, never repaired into U+FFFD. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a JSON object body. Empty bodies count as `{}` where `allowEmpty` (several endpoints,
 * e.g. /logout, /join, are sent with no body by real clients).
 *
 * Bytes that are not UTF-8 or not JSON are `M_NOT_JSON`. JSON that canonical JSON cannot encode
 * (floats, integers beyond ±(2^53 − 1), lone surrogates, absurd nesting) is `M_BAD_JSON`: most
 * bodies become events or signed keys, and refusing here means nothing downstream ever meets
 * such a value. `rules.allowFloats` lets floats through for data that is only stored and handed
 * back (account data, tags, to-device messages).
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  allowEmpty = true,
  rules: JsonInputRules = { allowFloats: false },
): Promise<JsonObject> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) throw tooLarge(`Request body is larger than ${maxBytes} bytes`);
  const buf = await request.arrayBuffer();
  if (buf.byteLength > maxBytes) throw tooLarge(`Request body is larger than ${maxBytes} bytes`);
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw notJson("Request body is not valid UTF-8");
  }
  if (text.trim() === "") {
    if (allowEmpty) return {};
    throw notJson("Request body is empty");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw notJson("Request body is not valid JSON");
  }
  if (!isJsonObject(parsed)) throw notJson("Request body must be a JSON object");
  const problem = jsonInputProblem(parsed, rules);
  if (problem) throw badJson(`Request body is not acceptable JSON: ${problem}`);
  return parsed;
}

// Small typed accessors that turn wrong types into M_BAD_JSON / M_MISSING_PARAM.

export function optString(body: JsonObject, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badJson(`'${key}' must be a string`);
  return v;
}

export function reqString(body: JsonObject, key: string): string {
  const v = optString(body, key);
  if (v === undefined) throw missingParam(`'${key}' is required`);
  return v;
}

export function optBool(body: JsonObject, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badJson(`'${key}' must be a boolean`);
  return v;
}

export function optInt(body: JsonObject, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) throw badJson(`'${key}' must be an integer`);
  return v;
}

export function optObject(body: JsonObject, key: string): JsonObject | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) throw badJson(`'${key}' must be an object`);
  return v;
}

export function optStringArray(body: JsonObject, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw badJson(`'${key}' must be an array of strings`);
  return v as string[];
}

/** Query parameter accessors: wrong types are M_INVALID_PARAM. */
export function queryInt(url: URL, key: string): number | undefined {
  const v = url.searchParams.get(key);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidParam(`'${key}' must be an integer`);
  return Number(v);
}

/** A boolean query parameter: "true" or "false" (absent: undefined); anything else is M_INVALID_PARAM. */
export function queryBool(url: URL, key: string): boolean | undefined {
  const v = url.searchParams.get(key);
  if (v === null || v === "") return undefined;
  if (v !== "true" && v !== "false") throw invalidParam(`'${key}' must be true or false`);
  return v === "true";
}
