/**
 * The steps every page flow shares (sign-in and sign-up, authorization, device link, account):
 * reading a form post behind its CSRF check, answering a post with a 303, and sending a browser
 * that is not signed in to the sign-in page and back.
 */
import type { Ctx } from "../router.js";
import { issuerOf } from "../../platform/issuer.js";
import { checkCsrf } from "./pages/csrf.js";
import { readForm } from "./pages/form.js";
import { htmlPage } from "./pages/layout.js";
import { errorPage } from "./pages/message.js";
import { withNext } from "./pages/parts.js";

/** A 303 See Other: after a form post the browser follows with a GET. */
export function seeOther(location: string, setCookies: readonly string[] = []): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  for (const c of setCookies) headers.append("Set-Cookie", c);
  return new Response(null, { status: 303, headers });
}

/** Not signed in: to the sign-in page, which comes back to `next` (a local path) afterwards. */
export function toSignIn(next: string): Response {
  return seeOther(withNext("/account/login", next));
}

/** A form post without its CSRF token, or from another site: refused, nothing happens. */
export function csrfRefusal(ctx: Ctx): Response {
  return htmlPage({
    ...errorPage({ title: "This form has expired", message: "Go back, reload the page and try again.", serverName: ctx.config.serverName }),
    status: 403,
  });
}

/** The form fields of a page post whose CSRF token checks out, or a response to send instead. */
export async function pageForm(req: Request, ctx: Ctx): Promise<URLSearchParams | Response> {
  const form = await readForm(req);
  // The pages live at the issuer, which behind a proxy is not the origin the Worker sees.
  if (!form || !checkCsrf(req, form, new URL(issuerOf(ctx.env, ctx.url)).origin)) return csrfRefusal(ctx);
  return form;
}
