/**
 * Serving a page that holds a form: the CSRF token goes into the form and, when the browser has
 * none yet, into a cookie set with the page (csrf.ts).
 */
import { csrfToken } from "./csrf.js";
import { htmlPage, type Page } from "./layout.js";

export interface FormPageInit {
  status?: number;
  headers?: Record<string, string>;
  setCookies?: readonly string[];
}

export function formPage(request: Request, build: (csrf: string) => Page, init: FormPageInit = {}): Response {
  const { token, setCookie } = csrfToken(request);
  const setCookies = [...(init.setCookies ?? []), ...(setCookie ? [setCookie] : [])];
  return htmlPage({ ...build(token), status: init.status, headers: init.headers, setCookies });
}
