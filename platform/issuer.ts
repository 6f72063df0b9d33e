import type { Env } from "./env.js";

/**
 * This server's public base URL: PUBLIC_BASEURL as configured, or, when it is empty, the origin
 * the request came to. The client discovery (.well-known/matrix/client) names it as is.
 */
export function publicBaseUrl(env: Env, requestUrl: URL): string {
  return env.PUBLIC_BASEURL || requestUrl.origin;
}

/**
 * The OAuth issuer identifier (RFC 8414 §2): PUBLIC_BASEURL with a trailing slash, or, when it is
 * empty, the origin the request came to. Clients compare it byte for byte with the `iss` of
 * id_tokens and with the metadata's `issuer`, so every place that names it takes it from here.
 */
export function issuerOf(env: Env, requestUrl: URL): string {
  const base = publicBaseUrl(env, requestUrl);
  return base.endsWith("/") ? base : `${base}/`;
}
