/**
 * Outbound federation requests: resolved with server discovery, signed with the X-Matrix scheme
 * (spec: "Request Authentication"), JSON in and out.
 */
import type { Env } from "../platform/env.js";
import { isJsonObject, type JsonObject } from "../protocol/json.js";
import { resolveServer } from "./discovery.js";
import { signRequest } from "./requestSigning.js";
import { ownSigningKey } from "./ownKey.js";
import { concatBytes } from "../platform/bytes.js";

/**
 * A failed federation request. `status` is the remote's HTTP status, or 502 when the remote could
 * not be reached at all (discovery refused or failed, network error, timeout, unreadable reply);
 * `network` is true in that case. `errcode` and `body` are the remote's Matrix error, if any.
 */
export class FederationError extends Error {
  override name = "FederationError";
  constructor(
    readonly status: number,
    message: string,
    readonly errcode?: string,
    readonly body?: unknown,
    readonly network = false,
  ) {
    super(message);
  }
}

/** Largest response body read (a room's full state can be large). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

/** The body of `res` as bytes, refusing more than `max` bytes. */
export async function readBytesLimited(res: Response, max = MAX_RESPONSE_BYTES): Promise<Uint8Array> {
  const declared = Number(res.headers.get("Content-Length") ?? "0");
  if (declared > max) throw new Error("response too large");
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new Error("response too large");
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

async function readLimited(res: Response): Promise<string> {
  return new TextDecoder().decode(await readBytesLimited(res));
}

export interface FederationFetchOptions {
  /** Abort after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** The Accept header (default application/json). */
  accept?: string;
}

/**
 * Sends a signed request to `destination` and returns the remote's Response as it is, whatever
 * its status (for replies that are not JSON, such as federation media). `path` starts with
 * `/_matrix/` and includes any query string, already percent-encoded: it is signed as given.
 * Throws FederationError (network) when the remote cannot be reached.
 */
export async function federationFetch(
  env: Env,
  destination: string,
  method: "GET" | "PUT" | "POST",
  path: string,
  body?: JsonObject,
  opts: FederationFetchOptions = {},
): Promise<Response> {
  const { serverName, key } = await ownSigningKey(env);
  let baseUrl: string;
  try {
    ({ baseUrl } = await resolveServer(env, destination));
  } catch (e) {
    throw new FederationError(502, `cannot resolve ${destination}: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined, true);
  }
  const authorization = await signRequest({ method, uri: path, origin: serverName, destination, content: body }, key);
  const headers: Record<string, string> = { Authorization: authorization, Accept: opts.accept ?? "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
    });
  } catch (e) {
    throw new FederationError(502, `${method} ${destination}${path.split("?")[0]} failed: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined, true);
  }
}

/**
 * Sends a signed request to `destination` and returns its parsed JSON reply. `path` starts with
 * `/_matrix/` and includes any query string, already percent-encoded: it is signed as given.
 * Throws FederationError on any failure.
 */
export async function federationRequest<T = JsonObject>(
  env: Env,
  destination: string,
  method: "GET" | "PUT" | "POST",
  path: string,
  body?: JsonObject,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const res = await federationFetch(env, destination, method, path, body, { timeoutMs: opts.timeoutMs });
  let text: string;
  try {
    text = await readLimited(res);
  } catch (e) {
    throw new FederationError(502, `reading the reply of ${destination} failed: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined, true);
  }
  let parsed: unknown = undefined;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status < 200 || res.status >= 300) {
    const errcode = isJsonObject(parsed) && typeof parsed.errcode === "string" ? parsed.errcode : undefined;
    const error = isJsonObject(parsed) && typeof parsed.error === "string" ? parsed.error : `HTTP ${res.status}`;
    throw new FederationError(res.status, `${method} ${destination}${path.split("?")[0]}: ${error}`, errcode, parsed);
  }
  if (parsed === undefined) throw new FederationError(502, `${destination} replied with no JSON`, undefined, text, true);
  return parsed as T;
}
