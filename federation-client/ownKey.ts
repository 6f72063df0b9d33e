import type { Env } from "../platform/env.js";
import { readConfig } from "../platform/env.js";
import { serverStub } from "../platform/stubs.js";
import { signingKeyOf } from "../platform/signingKey.js";
import type { SigningKey } from "../protocol/signing.js";

/**
 * This server's name and signing key, kept per isolate for a minute so signing every outbound
 * request does not cost a ServerDO call each time.
 */
let cached: { name: string; key: SigningKey; until: number } | undefined;

export async function ownSigningKey(env: Env): Promise<{ serverName: string; key: SigningKey }> {
  const serverName = readConfig(env).serverName;
  if (!cached || cached.name !== serverName || cached.until < Date.now()) {
    const key = signingKeyOf(await serverStub(env).signingKey());
    cached = { name: serverName, key, until: Date.now() + 60_000 };
  }
  return { serverName, key: cached.key };
}
