import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { badJson, unrecognized } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import {
  parsePushRuleKind,
  getRule,
  upsertRule,
  deleteRule,
  setEnabled,
  setActions,
  toStoredPushRules,
  type PushRuleSet,
} from "../../protocol/pushRules/index.js";

// Spec: pushrules.yaml (push module). Rules are evaluated in the UserDO when events arrive.

function scope(req: IRequest): void {
  if (param(req, "scope") !== "global") throw unrecognized("Only the 'global' scope exists");
}

/**
 * Runs a pure ruleset edit, then stores the result. A refused edit throws PushRuleError, which the
 * Worker's error handler answers as the Matrix error it names.
 */
async function edit(ctx: Ctx, userId: string, change: (rs: PushRuleSet) => PushRuleSet): Promise<Response> {
  const stub = userStub(ctx.env, userId);
  const next = change(await stub.getPushRules());
  await stub.setPushRules(toStoredPushRules(next, userId));
  return json({});
}

async function getAll(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  return json({ global: await userStub(ctx.env, s.userId).getPushRules() });
}

async function getScope(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  return json(await userStub(ctx.env, s.userId).getPushRules());
}

/** GET /pushrules/global/{kind}/: that kind's rules, in order, as Synapse answers. */
async function getKind(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const kind = parsePushRuleKind(param(req, "kind"));
  return json((await userStub(ctx.env, s.userId).getPushRules())[kind]);
}

async function getOne(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const rs = await userStub(ctx.env, s.userId).getPushRules();
  return json(getRule(rs, parsePushRuleKind(param(req, "kind")), param(req, "ruleId")));
}

async function putOne(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const kind = parsePushRuleKind(param(req, "kind"));
  const before = ctx.url.searchParams.get("before") ?? undefined;
  const after = ctx.url.searchParams.get("after") ?? undefined;
  return edit(ctx, s.userId, (rs) =>
    upsertRule(rs, kind, { rule_id: param(req, "ruleId"), actions: body.actions, conditions: body.conditions, pattern: body.pattern }, { before, after }),
  );
}

async function deleteOne(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const kind = parsePushRuleKind(param(req, "kind"));
  return edit(ctx, s.userId, (rs) => deleteRule(rs, kind, param(req, "ruleId")));
}

async function getAttr(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const rs = await userStub(ctx.env, s.userId).getPushRules();
  const rule = getRule(rs, parsePushRuleKind(param(req, "kind")), param(req, "ruleId"));
  const attr = param(req, "attr");
  if (attr === "enabled") return json({ enabled: rule.enabled });
  if (attr === "actions") return json({ actions: rule.actions });
  throw unrecognized(`Unknown push rule attribute ${attr}`);
}

async function putAttr(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  scope(req);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const kind = parsePushRuleKind(param(req, "kind"));
  const ruleId = param(req, "ruleId");
  const attr = param(req, "attr");
  if (attr === "enabled") {
    if (typeof body.enabled !== "boolean") throw badJson("'enabled' must be a boolean");
    const enabled = body.enabled;
    return edit(ctx, s.userId, (rs) => setEnabled(rs, kind, ruleId, enabled));
  }
  if (attr === "actions") return edit(ctx, s.userId, (rs) => setActions(rs, kind, ruleId, body.actions));
  throw unrecognized(`Unknown push rule attribute ${attr}`);
}

/**
 * Every path also answers with a trailing slash ("/pushrules/global/room/"): the router's patterns
 * end in "/*$" (itty-router, and pathIsKnown alike), so one registration serves both spellings.
 */
export function registerPushRuleRoutes(): void {
  clientRoute("GET", "/pushrules", getAll);
  clientRoute("GET", "/pushrules/:scope", getScope);
  clientRoute("GET", "/pushrules/:scope/:kind", getKind);
  clientRoute("GET", "/pushrules/:scope/:kind/:ruleId", getOne);
  clientRoute("PUT", "/pushrules/:scope/:kind/:ruleId", putOne);
  clientRoute("DELETE", "/pushrules/:scope/:kind/:ruleId", deleteOne);
  clientRoute("GET", "/pushrules/:scope/:kind/:ruleId/:attr", getAttr);
  clientRoute("PUT", "/pushrules/:scope/:kind/:ruleId/:attr", putAttr);
}
