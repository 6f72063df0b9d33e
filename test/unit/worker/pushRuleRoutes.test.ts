/** Which handler each push-rule path reaches, with and without a trailing slash (issue 13). */
import { test } from "node:test";
import assert from "node:assert/strict";

/**
 * The router's modules are typed against @cloudflare/workers-types, which this Node program does not
 * load; imported by a computed specifier, they are read through the narrow shapes used here.
 */
interface RouterModule {
  router: { routes: [method: string, pattern: RegExp, handlers: unknown, path: string][] };
  pathIsKnown(pathname: string): boolean;
}
interface PushRulesModule {
  registerPushRuleRoutes(): void;
}
const worker = "../../../worker";
const { router, pathIsKnown }: RouterModule = await import(`${worker}/router.js`);
const { registerPushRuleRoutes }: PushRulesModule = await import(`${worker}/client/pushRules.js`);
registerPushRuleRoutes();

/** The registered pattern the router picks first for this request, as itty-router does. */
function routeOf(method: string, path: string): string | undefined {
  const hit = router.routes.find(([m, re]) => m === method && re.test(path));
  return hit?.[3];
}

const P = "/_matrix/client/v3/pushrules";
const cases: [string, string, string][] = [
  ["GET", "", "/pushrules"],
  ["GET", "/global", "/pushrules/:scope"],
  ["GET", "/global/room", "/pushrules/:scope/:kind"],
  ["GET", "/global/override/.m.rule.master", "/pushrules/:scope/:kind/:ruleId"],
  ["PUT", "/global/room/my.rule", "/pushrules/:scope/:kind/:ruleId"],
  ["DELETE", "/global/room/my.rule", "/pushrules/:scope/:kind/:ruleId"],
  ["GET", "/global/override/.m.rule.master/enabled", "/pushrules/:scope/:kind/:ruleId/:attr"],
  ["PUT", "/global/override/.m.rule.master/actions", "/pushrules/:scope/:kind/:ruleId/:attr"],
];

for (const [method, path, pattern] of cases) {
  test(`${method} ${P}${path} and ${P}${path}/ reach ${pattern}`, () => {
    for (const p of [`${P}${path}`, `${P}${path}/`]) {
      assert.equal(routeOf(method, p), `/_matrix/client/v3${pattern}`, p);
      assert.ok(pathIsKnown(p), p);
    }
  });
}

test("r0 serves the same paths", () => {
  assert.equal(routeOf("GET", "/_matrix/client/r0/pushrules/global/room/"), "/_matrix/client/r0/pushrules/:scope/:kind");
});
