/**
 * Reading the pages' form posts. The forms are plain HTML forms, so their bodies are
 * `application/x-www-form-urlencoded`; nothing else is accepted (a multipart body would mean a
 * client we did not write). Small bodies only: the largest form is the consent form.
 */

export const MAX_FORM_BYTES = 16 * 1024;

/** The fields of a form post, or null when the body is not a small urlencoded form. */
export async function readForm(request: Request, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams | null> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return null;
  if (Number(request.headers.get("Content-Length") ?? "0") > maxBytes) return null;
  const text = await request.text();
  if (text.length > maxBytes) return null;
  return new URLSearchParams(text);
}
