import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { MatrixError, forbidden, notFound, badJson, invalidParam } from "../../platform/errors.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { validateFilter } from "../../protocol/filters/index.js";

// Spec: account-data.yaml, tags.yaml, filter.yaml, and the ignore_users module.

async function own(req: IRequest, ctx: Ctx, allowGuest = true) {
  const s = await authenticate(req, ctx, { allowGuest });
  if (param(req, "userId") !== s.userId) throw forbidden("Cannot access another user's data");
  return { session: s, stub: userStub(ctx.env, s.userId) };
}

/** The room of per-room account data and tags (spec: an invalid room ID is 400 M_INVALID_PARAM). */
function roomParam(req: IRequest): string {
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam(`${roomId} is not a valid room ID`);
  return roomId;
}

/** Types the server manages itself may not be set through account data (spec: 405 M_BAD_JSON). */
function checkSettable(type: string): void {
  if (type === "m.fully_read" || type === "m.push_rules") {
    throw new MatrixError(405, "M_BAD_JSON", `Cannot set ${type} through this API`);
  }
}

function checkIgnoreList(type: string, content: JsonObject): void {
  if (type !== "m.ignored_user_list") return;
  if (!isJsonObject(content.ignored_users)) throw badJson("'ignored_users' must be an object");
}

async function getGlobal(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  return json(await stub.getAccountData("", param(req, "type")));
}

/** Account data is only stored and handed back, never signed, and the spec's own `m.tag` has a float `order`. */
const STORED_ONLY = { allowFloats: true };

async function putGlobal(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const type = param(req, "type");
  checkSettable(type);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false, STORED_ONLY);
  checkIgnoreList(type, body);
  await stub.setAccountData("", type, body);
  return json({});
}

async function getRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  return json(await stub.getAccountData(roomParam(req), param(req, "type")));
}

async function putRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const type = param(req, "type");
  checkSettable(type);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false, STORED_ONLY);
  await stub.setAccountData(roomParam(req), type, body);
  return json({});
}

// Tags live in the room's m.tag account data (spec: tags module).

async function tagsOf(stub: ReturnType<typeof userStub>, roomId: string): Promise<JsonObject> {
  try {
    const data = await stub.getAccountData(roomId, "m.tag");
    return isJsonObject(data.tags) ? data.tags : {};
  } catch (e) {
    if (e instanceof Error && e.message.includes("M_NOT_FOUND")) return {};
    throw e;
  }
}

async function getTags(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  return json({ tags: await tagsOf(stub, roomParam(req)) });
}

async function putTag(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false, STORED_ONLY);
  if (body.order !== undefined && typeof body.order !== "number") throw badJson("'order' must be a number");
  const roomId = roomParam(req);
  const tags = await tagsOf(stub, roomId);
  tags[param(req, "tag")] = body;
  await stub.setAccountData(roomId, "m.tag", { tags });
  return json({});
}

async function deleteTag(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const roomId = roomParam(req);
  const tags = await tagsOf(stub, roomId);
  delete tags[param(req, "tag")];
  await stub.setAccountData(roomId, "m.tag", { tags });
  return json({});
}

async function createFilter(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  validateFilter(body);
  return json({ filter_id: await stub.createFilter(body) });
}

async function getFilter(req: IRequest, ctx: Ctx): Promise<Response> {
  const { stub } = await own(req, ctx);
  const f = await stub.getFilter(param(req, "filterId")).catch(() => undefined);
  if (!f) throw notFound("No such filter");
  return json(f);
}

export function registerAccountDataRoutes(): void {
  clientRoute("GET", "/user/:userId/account_data/:type", getGlobal);
  clientRoute("PUT", "/user/:userId/account_data/:type", putGlobal);
  clientRoute("GET", "/user/:userId/rooms/:roomId/account_data/:type", getRoom);
  clientRoute("PUT", "/user/:userId/rooms/:roomId/account_data/:type", putRoom);
  clientRoute("GET", "/user/:userId/rooms/:roomId/tags", getTags);
  clientRoute("PUT", "/user/:userId/rooms/:roomId/tags/:tag", putTag);
  clientRoute("DELETE", "/user/:userId/rooms/:roomId/tags/:tag", deleteTag);
  clientRoute("POST", "/user/:userId/filter", createFilter);
  clientRoute("GET", "/user/:userId/filter/:filterId", getFilter);
}
