import { IttyRouter, type IRequest } from "itty-router";
import type { Env, Config } from "../platform/env.js";

/** What every handler receives besides the request. */
export interface Ctx {
  env: Env;
  config: Config;
  exec: ExecutionContext;
  url: URL;
}

export type Handler = (req: IRequest, ctx: Ctx) => Promise<Response> | Response;
type Method = "GET" | "POST" | "PUT" | "DELETE";

export const router = IttyRouter<IRequest, [Ctx], Response>();

/** Every route pattern, to tell "unknown endpoint" (404) from "wrong method" (405). */
const patterns: RegExp[] = [];

function add(method: Method, path: string, handler: Handler): void {
  const m = method.toLowerCase() as "get" | "post" | "put" | "delete";
  router[m](path, handler);
  patterns.push(new RegExp(`^${path.replace(/:(\w+)\+/g, "(.+)").replace(/:(\w+)/g, "([^/]+)").replace(/\*/g, ".*")}/*$`));
}

export function route(method: Method, path: string, handler: Handler): void {
  add(method, path, handler);
}

/**
 * A Client-Server API endpoint under /_matrix/client. It is served under v3 and also under the
 * legacy r0 prefix, as Synapse does, because matrix-nio and older bots still use r0.
 */
export function clientRoute(method: Method, path: string, handler: Handler, versions = ["v3", "r0"]): void {
  for (const v of versions) add(method, `/_matrix/client/${v}${path}`, handler);
}

export function pathIsKnown(pathname: string): boolean {
  return patterns.some((p) => p.test(pathname));
}

/** A path parameter, URL-decoded (itty-router leaves them encoded). */
export function param(req: IRequest, name: string): string {
  const raw = req.params[name] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
