import { limitExceeded } from "../platform/errors.js";
import type { Config } from "../platform/env.js";
import type { AppService } from "../protocol/appservice/registration.js";

/**
 * Token-bucket rate limits on login, registration (accounts and OAuth clients) and sending, kept in the Worker isolate's
 * memory. That is per isolate rather than global, which is enough to blunt password guessing
 * and floods from one client without a Durable Object hop on every request.
 * RATE_LIMITS = "off" switches them off (test runs, benchmarks).
 */
export interface Limit {
  /** Requests allowed in a burst. */
  burst: number;
  /** Tokens regained per second. */
  perSecond: number;
}

export const LIMITS = {
  login: { burst: 10, perSecond: 0.2 },
  register: { burst: 5, perSecond: 0.1 },
  send: { burst: 50, perSecond: 10 },
  // OAuth dynamic client registration: unauthenticated and a ServerDO write each, but a client
  // registers at the start of every sign-in, so a few in a row must pass.
  oauthRegister: { burst: 10, perSecond: 0.2 },
  oauthDevice: { burst: 10, perSecond: 0.2 },
  // Looking up a user code on the /link page: with codes guessable only by brute force, a few
  // tries a minute per address is plenty for a person and nothing for a guesser (RFC 8628 §5.1).
  deviceLink: { burst: 10, perSecond: 0.1 },
  // GET /events/{eventId} for an event the server's index doesn't know: one RoomDO call per
  // joined room, so a client can't make the server walk all its rooms over and over.
  eventLookup: { burst: 10, perSecond: 0.5 },
  // Content reports (spec: 429 on room and user reports): Synapse's rc_reports defaults.
  report: { burst: 5, perSecond: 1 },
} satisfies Record<string, Limit>;

const buckets = new Map<string, { tokens: number; at: number }>();

/** Spends one token from `kind`'s bucket for `key`: 0 when there was one, else the ms until there is. */
function spend(config: Config, kind: keyof typeof LIMITS, key: string): number {
  if (!config.rateLimits) return 0;
  const limit = LIMITS[kind];
  const id = `${kind}:${key}`;
  const now = Date.now();
  const b = buckets.get(id) ?? { tokens: limit.burst, at: now };
  b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
  b.at = now;
  if (b.tokens < 1) {
    buckets.set(id, b);
    return Math.ceil(((1 - b.tokens) / limit.perSecond) * 1000);
  }
  b.tokens -= 1;
  buckets.set(id, b);
  if (buckets.size > 10_000) buckets.clear(); // bounded memory: forgetting is safe, it only forgives
  return 0;
}

/**
 * Whether one more `kind` attempt is allowed for every key (an address, an account): for the
 * pages, which show an error instead of throwing. Stops at the first key over its limit, so a
 * refused attempt spends nothing from the keys after it.
 */
export function withinRateLimit(config: Config, kind: keyof typeof LIMITS, ...keys: string[]): boolean {
  return keys.every((key) => spend(config, kind, key) === 0);
}

/** An authenticated requester, limited by user ID: an application service may be exempt. */
export interface Limited {
  userId: string;
  appservice?: AppService;
}

/**
 * Requests made with an application service's as_token are not limited when its registration
 * says `rate_limited: false`, and those acting as its sender never are (as Synapse).
 */
function exempt(requester: Limited): boolean {
  const service = requester.appservice;
  return service !== undefined && (!service.rateLimited || requester.userId === service.sender);
}

/**
 * The API's form: throws M_LIMIT_EXCEEDED with the wait the client should honour. `who` is a
 * client address (clientKey) or the authenticated requester, whose bucket is its user ID: taking
 * the requester itself means no user-keyed limit can forget the application service exemption.
 */
export function checkRateLimit(config: Config, kind: keyof typeof LIMITS, who: string | Limited): void {
  if (typeof who !== "string" && exempt(who)) return;
  // One spend: its refusal already says how long until the next token.
  const wait = spend(config, kind, typeof who === "string" ? who : who.userId);
  if (wait > 0) throw limitExceeded(wait);
}

/** What a page says when `withinRateLimit` refuses. */
export const TOO_MANY_ATTEMPTS = "Too many attempts. Wait a minute and try again.";

export function clientKey(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "local";
}
