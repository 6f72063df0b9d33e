/**
 * Starts a real Lattice (wrangler dev → workerd, the same path as `npm start`) on a free port with
 * fresh persistent state in a temp folder, for end-to-end tests and benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

export interface RunningServer {
  baseUrl: string;
  serverName: string;
  /**
   * Requests the server answered with 500 so far (from its log). A 500 is always a bug: bad
   * input gets the spec's error, never an internal one.
   */
  internalErrors(): string[];
  /** Stops the process but keeps its state and port, for resume(). */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port with the same state. */
  resume(): Promise<void>;
  /** Stops the server and deletes its state; fails if it ever answered 500 (see internalErrors). */
  stop(): Promise<void>;
}

/**
 * A port nobody is listening on, chosen below Linux's ephemeral range (32768+) so that the ports
 * workerd and wrangler bind for themselves (port 0, from that range) can never take it between
 * our check and our server's bind; never the same port twice in one test process.
 */
const handedOut = new Set<number>();

async function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port found");
}

export async function startServer(
  opts: { serverName?: string; /** A server name that depends on the chosen port, e.g. `127.0.0.1:${port}` for federation tests. */ serverNameFor?: (port: number) => string; vars?: Record<string, string> } = {},
): Promise<RunningServer> {
  const state = mkdtempSync(join(tmpdir(), "lattice-test-"));
  let port = 0;
  let serverName = "";
  let vars: Record<string, string> = {};
  let baseUrl = "";
  let child: ChildProcess | undefined;
  const internalErrors: string[] = [];
  // Another process may still grab the port first; then try again on a new one.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    serverName = opts.serverNameFor?.(port) ?? opts.serverName ?? "localhost";
    vars = { SERVER_NAME: serverName, RATE_LIMITS: "off", ...(opts.vars ?? {}) };
    baseUrl = `http://127.0.0.1:${port}`;
    try {
      child = await launch(port, state, vars, baseUrl, internalErrors);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof Error) || !e.message.includes("Address already in use")) throw e;
    }
  }
  const kill = async () => {
    if (!child) return;
    const pid = child.pid ?? 0;
    child = undefined;
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  return {
    baseUrl,
    serverName,
    async halt() {
      await kill();
    },
    internalErrors: () => [...internalErrors],
    async resume() {
      if (!child) child = await launch(port, state, vars, baseUrl, internalErrors);
    },
    async stop() {
      await kill();
      rmSync(state, { recursive: true, force: true });
      if (internalErrors.length > 0) {
        throw new Error(`${serverName} answered 500 (an internal error; bad input must get the spec's error):\n${internalErrors.join("\n")}`);
      }
    },
  };
}

/** wrangler's request log line for a 500 answer, e.g. `[wrangler:info] PUT /_matrix/… 500 Internal Server Error (3ms)`. */
const INTERNAL_ERROR_LINE = /^.*\s500 Internal Server Error\b.*$/gm;

/**
 * Runs wrangler dev on `port` with state in `state` and waits until it answers. Every 500 in its
 * log is added to `internalErrors`, with the error the Worker logged for it when there is one.
 */
async function launch(port: number, state: string, vars: Record<string, string>, baseUrl: string, internalErrors: string[]): Promise<ChildProcess> {
  // Each server needs its own inspector port too, or parallel servers collide on 9229.
  const inspectorPort = await freePort();
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort), "--persist-to", state, "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn("npx", args, {
    cwd: join(import.meta.dirname, "..", ".."),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  let pending = "";
  const watch = (d: Buffer) => {
    // Without the terminal colours wrangler writes, so the lines read plainly in a failure.
    const text = d.toString().replace(/\x1b\[[0-9;]*m/g, "");
    log += text;
    // Whole lines only: a chunk may end mid-line.
    pending += text;
    const cut = pending.lastIndexOf("\n");
    if (cut < 0) return;
    for (const m of pending.slice(0, cut).matchAll(INTERNAL_ERROR_LINE)) internalErrors.push(m[0].trim());
    // The Worker's own log line for it (worker/index.ts), which names the error.
    for (const line of pending.slice(0, cut).split("\n")) if (/internal error (?:GET|PUT|POST|DELETE) /.test(line)) internalErrors.push(line.trim());
    pending = pending.slice(cut + 1);
  };
  child.stdout?.on("data", watch);
  child.stderr?.on("data", watch);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/_matrix/client/versions`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        // gone
      }
      throw new Error(`server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A raw HTTP call returning status and parsed JSON body (for bad-input tests). */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(`${base}${path}`, { method, headers, body });
  const text = await r.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { _raw: text };
  }
  return { status: r.status, body: parsed };
}

export interface TestUser {
  userId: string;
  accessToken: string;
  deviceId: string;
  password: string;
}

/** How registerUser makes a user; every field is optional. */
export interface NewUser {
  /** The username exactly; without it, `prefix` (default "user") and a suffix unique in this process. */
  name?: string;
  prefix?: string;
  /** The first device's display name (initial_device_display_name); none by default. */
  deviceName?: string;
  password?: string;
}

let counter = 0;
/** A user registered over the Client-Server API: named `user` when it is a string, else as `user` says. */
export async function registerUser(base: string, user: string | NewUser = {}): Promise<TestUser> {
  const { name, prefix = "user", deviceName, password = "correct horse battery" } = typeof user === "string" ? { name: user } : user;
  const username = name ?? `${prefix}${Date.now().toString(36)}${counter++}`;
  const r = await call(base, "POST", "/_matrix/client/v3/register", {
    body: { username, password, initial_device_display_name: deviceName, auth: { type: "m.login.dummy" } },
  });
  if (r.status !== 200) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { userId: String(r.body.user_id), accessToken: String(r.body.access_token), deviceId: String(r.body.device_id), password };
}

/** Registers users with these names, in order. */
export async function registerUsers(base: string, ...names: string[]): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (const name of names) users.push(await registerUser(base, name));
  return users;
}

/** A Client-Server API call (path under /_matrix/client/v3) by `user` on `server`. */
export function api(server: RunningServer, user: TestUser, method: string, path: string, body?: unknown) {
  return call(server.baseUrl, method, `/_matrix/client/v3${path}`, { token: user.accessToken, body });
}

/** A Client-Server API call (path under /_matrix/client/v3) by `user` that must answer 200: its JSON body. */
export function apiOk(server: RunningServer, user: TestUser, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return callOk(server, user, method, `/_matrix/client/v3${path}`, body);
}

/** A call by `user` that must answer 200 (`path` is the whole path): its JSON body. */
export async function callOk(server: RunningServer, user: TestUser, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(server.baseUrl, method, path, { token: user.accessToken, body });
  if (r.status !== 200) throw new Error(`${user.userId} ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A timeline event as the paging helpers below read it. */
export interface TimelineEvent {
  event_id: string;
  type: string;
  content: { body?: string };
}

/**
 * Pages GET /messages backwards with `limit` until a page has no `end` (the start of the room);
 * the events newest first, and the last page.
 */
export async function pageBackToTheStart(server: RunningServer, user: TestUser, roomId: string, limit: number): Promise<{ events: TimelineEvent[]; lastPage: Record<string, unknown> }> {
  const events: TimelineEvent[] = [];
  let from: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const q = `dir=b&limit=${limit}${from ? `&from=${encodeURIComponent(from)}` : ""}`;
    const page = await callOk(server, user, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${q}`);
    events.push(...(page.chunk as TimelineEvent[]));
    if (page.end === undefined) return { events, lastPage: page };
    from = String(page.end);
  }
  throw new Error("pagination never ended");
}

/** The bodies of the m.room.message events `user` sees in the room's latest `limit` events, newest first. */
export async function messageBodies(server: RunningServer, user: TestUser, roomId: string, limit = 500): Promise<string[]> {
  const page = await callOk(server, user, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${limit}`);
  return (page.chunk as TimelineEvent[]).filter((e) => e.type === "m.room.message").map((e) => String(e.content.body));
}

/**
 * POST /login with a password, as it answers (for tests of refused logins); `user` is a user ID or
 * a localpart; `deviceName` names the new device (initial_device_display_name).
 */
export function passwordLogin(base: string, user: string, password: string, deviceName?: string) {
  return call(base, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password, initial_device_display_name: deviceName },
  });
}

/** Logs `user` in again with their password: the same user on a new device, named `deviceName` if given. */
export async function loginNewDevice(base: string, user: TestUser, opts: { deviceName?: string } = {}): Promise<TestUser> {
  const r = await passwordLogin(base, user.userId, user.password, opts.deviceName);
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...user, deviceId: String(r.body.device_id), accessToken: String(r.body.access_token) };
}

export type Check<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * A polling helper with its own defaults: the returned `eventually(what, check, ms?)` calls
 * `check` every `every` ms until it returns a value other than undefined/false, and fails after
 * `ms` (by default `timeout`) saying what it was waiting for.
 */
export function makeEventually(defaults: { timeout: number; every: number }) {
  return async function eventually<T>(what: string, check: Check<T>, ms = defaults.timeout): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await new Promise((r) => setTimeout(r, defaults.every));
    }
  };
}
