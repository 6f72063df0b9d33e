/**
 * The sign-up and sign-in pages under each registration mode (README "Configuration":
 * REGISTRATION open / token / closed), and password guessing on the sign-in page, over raw HTTP.
 * What an account created on the page can do is seen through the Client-Server API (/login).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, passwordLogin, type RunningServer } from "./harness.js";
import { Browserless } from "./browserless.js";
import { randomId } from "./oauthHelpers.js";

const PASSWORD = "a long enough password";
let tokenServer: RunningServer;
let closedServer: RunningServer;

before(async () => {
  [tokenServer, closedServer] = await Promise.all([
    startServer({ vars: { REGISTRATION: "token", REGISTRATION_TOKENS: "lattice-invite-1" } }),
    startServer({ vars: { REGISTRATION: "closed", RATE_LIMITS: "on" } }),
  ]);
});

after(async () => {
  await Promise.all([tokenServer?.stop(), closedServer?.stop()]);
});

test("REGISTRATION=token: the page asks for the token; none or a wrong one creates nothing, the right one an account that can log in", async () => {
  const browser = new Browserless(tokenServer.baseUrl);
  const page = await browser.get("/account/register");
  assert.equal(page.status, 200);
  assert.match(page.text, /name="registration_token"/);
  const username = `tok${randomId(6).toLowerCase()}`;
  const fields = { username, password: PASSWORD, password_confirm: PASSWORD };

  for (const registration_token of ["", "lattice-invite-2"]) {
    const r = await browser.post("/account/register", { ...fields, registration_token });
    assert.equal(r.status, 403, registration_token);
    assert.match(r.text, /registration token is not valid/);
    assert.equal(r.headers.getSetCookie().some((c) => c.startsWith("lattice_session=")), false);
    assert.equal((await passwordLogin(tokenServer.baseUrl, username, PASSWORD)).status, 403, "no account was made");
  }

  const ok = await browser.post("/account/register", { ...fields, registration_token: "lattice-invite-1", next: "/account/" });
  assert.equal(ok.status, 303, ok.text);
  assert.equal(ok.location, "/account/");
  assert.ok(ok.headers.getSetCookie().some((c) => c.startsWith("lattice_session=latw_")), "the new account's browser is signed in");
  const res = await passwordLogin(tokenServer.baseUrl, username, PASSWORD);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user_id, `@${username}:${tokenServer.serverName}`);
  // The account page opens for the browser the sign-up signed in.
  assert.equal((await browser.get("/account/")).status, 200);
});

test("sign-up refuses a taken name (409), a name the spec does not allow, two different passwords and a short one (400)", async () => {
  const browser = new Browserless(tokenServer.baseUrl);
  await browser.get("/account/register");
  const taken = `taken${randomId(6).toLowerCase()}`;
  const make = (username: string, password = PASSWORD, confirm = password) =>
    browser.post("/account/register", { username, password, password_confirm: confirm, registration_token: "lattice-invite-1" });
  assert.equal((await make(taken)).status, 303);
  const again = await new Browserless(tokenServer.baseUrl).get("/account/register").then(() => make(taken));
  assert.equal(again.status, 409);
  assert.match(again.text, /taken/);
  for (const [username, password, confirm] of [
    ["Bad Name!", PASSWORD, PASSWORD],
    ["12345", PASSWORD, PASSWORD],
    [`ok${randomId(6).toLowerCase()}`, PASSWORD, `${PASSWORD}!`],
    [`ok${randomId(6).toLowerCase()}`, "short", "short"],
    [`ok${randomId(6).toLowerCase()}`, "x".repeat(513), "x".repeat(513)],
  ]) {
    const r = await make(username, password, confirm);
    assert.equal(r.status, 400, `${username} ${password} ${confirm}`);
    assert.match(r.text, /role="alert"/);
    // Too long is said as such, not as "at least 8 characters".
    if (password.length > 512) assert.match(r.text, /at most 512 characters/);
    if (/^[a-z0-9]+$/.test(username)) assert.equal((await passwordLogin(tokenServer.baseUrl, username, password)).status, 403, "no account was made");
  }
});

test("REGISTRATION=closed: the sign-up page says so (403) and creates nothing; the sign-in page offers no sign-up", async () => {
  const browser = new Browserless(closedServer.baseUrl);
  const page = await browser.get("/account/register");
  assert.equal(page.status, 403);
  assert.match(page.text, /Registration is closed/);
  const signIn = await browser.get("/account/login");
  assert.equal(signIn.status, 200);
  assert.doesNotMatch(signIn.text, /href="\/account\/register/);
  const username = `closed${randomId(6).toLowerCase()}`;
  const r = await browser.post("/account/register", { username, password: PASSWORD, password_confirm: PASSWORD });
  assert.equal(r.status, 403);
  assert.equal((await passwordLogin(closedServer.baseUrl, username, PASSWORD)).status, 403, "no account was made");
});

test("password guessing on the sign-in page is rate-limited per address (RATE_LIMITS=on): 429 after a burst", async () => {
  const browser = new Browserless(closedServer.baseUrl);
  await browser.get("/account/login");
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    // Another account name each time: the limit per address holds whatever name is guessed.
    const r = await browser.post("/account/login", { username: `guess${i}`, password: "not it" });
    statuses.push(r.status);
    if (r.status === 429) assert.match(r.text, /Too many attempts/);
  }
  // The burst (10) is shared with POST /login from this address, which an earlier test used.
  const refused = statuses.indexOf(429);
  assert.ok(refused >= 5, `wrong passwords are refused as such until the burst is spent: ${statuses.join(",")}`);
  assert.deepEqual(statuses.slice(0, refused), Array(refused).fill(403));
  assert.deepEqual(statuses.slice(refused), Array(statuses.length - refused).fill(429), "then every attempt waits");
});
