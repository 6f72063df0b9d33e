/**
 * What a new password must be, in one place for the sign-up page, the account page's password
 * change and the legacy registration API. The upper bound keeps a password's hashing cheap for
 * the server; the lower one is only asked by the pages, since the legacy API never had one and
 * clients registering through it may rely on that.
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 512;

/** Why `password` cannot be a new password, or undefined when it can. */
export function passwordProblem(password: string, minLength: number = MIN_PASSWORD_LENGTH): string | undefined {
  if (password.length < minLength) return `Choose a password of at least ${minLength} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`;
  return undefined;
}
