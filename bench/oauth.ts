/**
 * OAuth 2.0 API benchmark (bench/README.md "oauth"): what a client signed in through the OAuth
 * API costs. One person signs up on the pages once; an app registered like Element X then:
 * - exchanges authorization codes for tokens (the consent page is posted over raw HTTP, as the
 *   browser would; only the token request is timed), with and without `openid` (an id_token is
 *   one more call, to ServerDO, which holds the signing key);
 * - refreshes its tokens again and again (every refresh rotates both tokens);
 * - calls /whoami with its OAuth access token, next to a password login's token: an expiring
 *   token must cost what a legacy one does (one UserDO call).
 */
import { call, registerUser } from "../test/e2e/harness.js";
import { Browserless } from "../test/e2e/browserless.js";
import { ELEMENT_X, authorizationParams, callbackParams, newPkce, postForm, randomId, registerClient } from "../test/e2e/oauthHelpers.js";
import { measureCost, readMetrics, summarize, type Cost } from "./clientServer.js";

const EXCHANGES = 20;
const REFRESHES = 40;
const WHOAMIS = 40;
const REDIRECT = "http://127.0.0.1/callback";

export interface OAuthFigures {
  code_exchange: ReturnType<typeof summarize>;
  code_exchange_with_id_token: ReturnType<typeof summarize>;
  refresh: ReturnType<typeof summarize>;
  whoami_oauth_token: ReturnType<typeof summarize>;
  whoami_password_token: ReturnType<typeof summarize>;
  cost?: {
    code_exchange: Cost | undefined;
    code_exchange_with_id_token: Cost | undefined;
    refresh: Cost | undefined;
    whoami_oauth_token: Cost | undefined;
    whoami_password_token: Cost | undefined;
  };
}

interface Tokens {
  access_token: string;
  refresh_token: string;
}

async function timedMs(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchOAuth(base: string): Promise<OAuthFigures> {
  const metricsOn = (await readMetrics(base)) !== undefined;
  const clientId = await registerClient(base, { ...ELEMENT_X, client_name: "Bench", redirect_uris: [REDIRECT] });
  const person = new Browserless(base);
  await person.signUp(`benchoauth${randomId(6).toLowerCase()}`);

  /** A code the person allows on the consent page, with its verifier. */
  const allow = async (extraScope = ""): Promise<{ code: string; verifier: string }> => {
    const pkce = newPkce();
    const params = authorizationParams(clientId, REDIRECT, pkce, randomId());
    params.scope = `${params.scope}${extraScope}`;
    await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
    const r = await person.post("/account/consent", { ...params, decision: "allow" });
    const code = callbackParams(r.location ?? "").get("code");
    if (!code) throw new Error(`consent gave no code: ${r.status} ${r.location}`);
    return { code, verifier: pkce.verifier };
  };
  const exchange = async (grant: { code: string; verifier: string }): Promise<Tokens> => {
    const r = await postForm(base, "/oauth2/token", { grant_type: "authorization_code", client_id: clientId, code: grant.code, redirect_uri: REDIRECT, code_verifier: grant.verifier });
    if (r.status !== 200) throw new Error(`code exchange → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as unknown as Tokens;
  };
  let tokens: Tokens = { access_token: "", refresh_token: "" };
  const refresh = async (): Promise<void> => {
    const r = await postForm(base, "/oauth2/token", { grant_type: "refresh_token", client_id: clientId, refresh_token: tokens.refresh_token });
    if (r.status !== 200) throw new Error(`refresh → ${r.status} ${JSON.stringify(r.body)}`);
    tokens = r.body as unknown as Tokens;
  };
  const whoami = async (token: string): Promise<void> => {
    const r = await call(base, "GET", "/_matrix/client/v3/account/whoami", { token });
    if (r.status !== 200) throw new Error(`whoami → ${r.status}`);
  };

  // Codes are made before the clock runs: only the token requests are timed.
  const exchangeTimes: number[] = [];
  for (const grant of await sequence(EXCHANGES, () => allow())) exchangeTimes.push(await timedMs(async () => void (tokens = await exchange(grant))));
  const idTokenTimes: number[] = [];
  for (const grant of await sequence(EXCHANGES, () => allow(" openid"))) idTokenTimes.push(await timedMs(async () => void (await exchange(grant))));
  const refreshTimes: number[] = [];
  for (let i = 0; i < REFRESHES; i++) refreshTimes.push(await timedMs(refresh));
  const password = await registerUser(base, `benchoauthpw${randomId(6).toLowerCase()}`);
  const oauthWhoami: number[] = [];
  const passwordWhoami: number[] = [];
  for (let i = 0; i < WHOAMIS; i++) {
    oauthWhoami.push(await timedMs(() => whoami(tokens.access_token)));
    passwordWhoami.push(await timedMs(() => whoami(password.accessToken)));
  }

  const figures: OAuthFigures = {
    code_exchange: summarize(exchangeTimes),
    code_exchange_with_id_token: summarize(idTokenTimes),
    refresh: summarize(refreshTimes),
    whoami_oauth_token: summarize(oauthWhoami),
    whoami_password_token: summarize(passwordWhoami),
  };
  if (metricsOn) {
    const plain = await sequence(5, () => allow());
    const withIdToken = await sequence(5, () => allow(" openid"));
    figures.cost = {
      code_exchange: await measureCost(base, plain.length, async () => {
        for (const g of plain) tokens = await exchange(g);
      }),
      code_exchange_with_id_token: await measureCost(base, withIdToken.length, async () => {
        for (const g of withIdToken) await exchange(g);
      }),
      refresh: await measureCost(base, 10, async () => {
        for (let i = 0; i < 10; i++) await refresh();
      }),
      whoami_oauth_token: await measureCost(base, 10, async () => {
        for (let i = 0; i < 10; i++) await whoami(tokens.access_token);
      }),
      whoami_password_token: await measureCost(base, 10, async () => {
        for (let i = 0; i < 10; i++) await whoami(password.accessToken);
      }),
    };
  }
  return figures;
}

async function sequence<T>(n: number, make: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await make());
  return out;
}
