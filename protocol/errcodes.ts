/**
 * The error codes of the Matrix specification ("Standard error response" in the Client-Server
 * API, plus the codes individual endpoints name), as one union so that a misspelt code does not
 * type-check. `M_UNKNOWN_POS` is simplified sliding sync's (MSC4186).
 */
export const ERRCODES = [
  "M_FORBIDDEN",
  "M_UNKNOWN_TOKEN",
  "M_MISSING_TOKEN",
  "M_USER_LOCKED",
  "M_USER_SUSPENDED",
  "M_BAD_JSON",
  "M_NOT_JSON",
  "M_NOT_FOUND",
  "M_LIMIT_EXCEEDED",
  "M_UNRECOGNIZED",
  "M_UNKNOWN",
  "M_UNAUTHORIZED",
  "M_USER_DEACTIVATED",
  "M_USER_IN_USE",
  "M_INVALID_USERNAME",
  "M_ROOM_IN_USE",
  "M_INVALID_ROOM_STATE",
  "M_THREEPID_IN_USE",
  "M_THREEPID_NOT_FOUND",
  "M_THREEPID_AUTH_FAILED",
  "M_THREEPID_DENIED",
  "M_THREEPID_MEDIUM_NOT_SUPPORTED",
  "M_SERVER_NOT_TRUSTED",
  "M_UNSUPPORTED_ROOM_VERSION",
  "M_INCOMPATIBLE_ROOM_VERSION",
  "M_BAD_STATE",
  "M_GUEST_ACCESS_FORBIDDEN",
  "M_CAPTCHA_NEEDED",
  "M_CAPTCHA_INVALID",
  "M_MISSING_PARAM",
  "M_INVALID_PARAM",
  "M_TOO_LARGE",
  "M_EXCLUSIVE",
  "M_RESOURCE_LIMIT_EXCEEDED",
  "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM",
  "M_WEAK_PASSWORD",
  "M_TERMS_NOT_SIGNED",
  "M_INVITE_BLOCKED",
  "M_APPSERVICE_LOGIN_UNSUPPORTED",
  "M_UNKNOWN_DEVICE",
  "M_INVALID_SIGNATURE",
  "M_NOT_YET_UPLOADED",
  "M_CANNOT_OVERWRITE_MEDIA",
  "M_WRONG_ROOM_KEYS_VERSION",
  "M_UNABLE_TO_AUTHORISE_JOIN",
  "M_UNABLE_TO_GRANT_JOIN",
  "M_DUPLICATE_ANNOTATION",
  "M_USER_LIMIT_EXCEEDED",
  "M_PROFILE_TOO_LARGE",
  "M_KEY_TOO_LARGE",
  "M_BAD_ALIAS",
  "M_SESSION_NOT_VALIDATED",
  "M_SESSION_EXPIRED",
  "M_NO_VALID_SESSION",
  "M_UNKNOWN_POS",
  // Application service ping (spec: appservice_ping.yaml).
  "M_URL_NOT_SET",
  "M_BAD_STATUS",
  "M_CONNECTION_FAILED",
  "M_CONNECTION_TIMEOUT",
] as const;

export type Errcode = (typeof ERRCODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERRCODES);

/** Whether `s` is one of the spec's error codes. */
export function isErrcode(s: unknown): s is Errcode {
  return typeof s === "string" && KNOWN.has(s);
}
