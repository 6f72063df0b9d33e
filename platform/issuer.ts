import type { Env } from "./env.js";

/**
 * The OAuth issuer identifier (RFC 8414 §2): PUBLIC_BASEURL with a trailing slash, or, when it is
 * empty, the origin the request came to. Clients compare it byte for byte with the `iss` of
 * id_tokens and with the metadata's `issuer`, so every place that names it takes it from here.
 */
export function issuerOf(env: Env, requestUrl: URL): string {
  const base = env.PUBLIC_BASEURL || requestUrl.origin;
  return base.endsWith("/") ? base : `${base}/`;
}
