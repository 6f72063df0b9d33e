import type { JsonObject } from "../../protocol/json.js";
import type { Ctx } from "../router.js";
import { userStub } from "../../platform/stubs.js";
import { uiaAuthOf, uiaChallenge, uiaSessionFor, identifiedUser } from "./uia.js";
import { localUserId } from "./localpart.js";

/**
 * The `m.login.password` stage that protects sensitive operations (change password, deactivate,
 * delete devices, cross-signing upload). Returns the 401 challenge to send, or null when the
 * stage is complete for `userId`.
 */
export async function verifyPasswordUia(ctx: Ctx, userId: string, body: JsonObject): Promise<Response | null> {
  const auth = uiaAuthOf(body);
  const session = await uiaSessionFor(auth?.session, { userId, path: ctx.url.pathname });
  if (!auth || auth.type !== "m.login.password") return uiaChallenge(["m.login.password"], session);
  const who = identifiedUser(auth.body);
  const password = auth.body.password;
  const claimed = who === undefined ? userId : localUserId(ctx, who);
  if (claimed !== userId || typeof password !== "string" || !(await userStub(ctx.env, userId).checkPassword(password))) {
    return uiaChallenge(["m.login.password"], session, { errcode: "M_FORBIDDEN", error: "Invalid password" });
  }
  return null;
}
