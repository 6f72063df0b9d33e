/**
 * The redirect back to the client at the end of an authorization request (RFC 6749 §4.1.2 and
 * §4.1.2.1; the spec's "Callback"): the parameters go in the query or in the fragment, as the
 * request's `response_mode` says, and always carry the request's `state`.
 */
export type ResponseMode = "query" | "fragment";

export function callbackUrl(redirectUri: string, mode: ResponseMode, params: Record<string, string | undefined>): string {
  const encoded = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) encoded.append(k, v);
  if (mode === "fragment") return `${redirectUri}#${encoded.toString()}`;
  // A redirect URI may carry its own query (web clients may register one): the response's
  // parameters are added to it, never replacing it (RFC 6749 §3.1.2).
  const sep = redirectUri.includes("?") ? "&" : "?";
  return `${redirectUri}${sep}${encoded.toString()}`;
}
