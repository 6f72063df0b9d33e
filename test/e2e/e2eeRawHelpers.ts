/** Raw-HTTP helpers for E2EE tests and benchmarks: signed device keys and one-time keys. */
import { call, type TestUser } from "./harness.js";
import { generateSigningKey, signJson, signingKeyFromSeed, type SigningKey } from "../../protocol/signing.js";
import { encodeBase64 } from "../../protocol/base64.js";

export interface DeviceKeyPair {
  key: SigningKey;
  publicKey: string;
}

export function deviceSigningKey(deviceId: string): DeviceKeyPair {
  const seed = generateSigningKey().seed;
  const key = signingKeyFromSeed(`ed25519:${deviceId}`, seed);
  return { key, publicKey: encodeBase64(key.publicKey) };
}

export async function signedDeviceKeys(user: TestUser, pair: DeviceKeyPair, deviceId = user.deviceId): Promise<Record<string, unknown>> {
  const curve = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
  return signJson(
    {
      user_id: user.userId,
      device_id: deviceId,
      algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
      keys: { [`curve25519:${deviceId}`]: curve, [`ed25519:${deviceId}`]: pair.publicKey },
    },
    user.userId,
    pair.key,
  );
}

export async function signedOneTimeKeys(user: TestUser, pair: DeviceKeyPair, n: number, prefix = "k"): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
    out[`signed_curve25519:${prefix}${i}`] = await signJson({ key }, user.userId, pair.key);
  }
  return out;
}

/** Registers a device's signed keys and `n` one-time keys plus a fallback key. */
export async function uploadDevice(base: string, user: TestUser, n: number): Promise<DeviceKeyPair> {
  const pair = deviceSigningKey(user.deviceId);
  const fallback = await signJson({ key: encodeBase64(crypto.getRandomValues(new Uint8Array(32))), fallback: true }, user.userId, pair.key);
  const r = await call(base, "POST", "/_matrix/client/v3/keys/upload", {
    token: user.accessToken,
    body: {
      device_keys: await signedDeviceKeys(user, pair),
      one_time_keys: await signedOneTimeKeys(user, pair, n),
      fallback_keys: { "signed_curve25519:fb": fallback },
    },
  });
  if (r.status !== 200) throw new Error(`keys/upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  return pair;
}
