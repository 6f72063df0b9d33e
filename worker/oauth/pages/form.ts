/**
 * Reading the pages' form posts. The forms are plain HTML forms, so their bodies are
 * `application/x-www-form-urlencoded`; nothing else is accepted (a multipart body would mean a
 * client we did not write). Small bodies only: the largest form is the consent form.
 */

const MAX_FORM_BYTES = 16 * 1024;

/** Fatal: a body that is not UTF-8 is refused rather than read with replacement characters. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The fields of a form post, or null when the body is not a small urlencoded UTF-8 form. */
export async function readForm(request: Request, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams | null> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return null;
  if (Number(request.headers.get("Content-Length") ?? "0") > maxBytes) return null;
  // Bytes, not characters: the limit is on what we read, whatever the body's script.
  const body = await request.arrayBuffer();
  if (body.byteLength > maxBytes) return null;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return null;
  }
  return new URLSearchParams(text);
}
