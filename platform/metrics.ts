/**
 * Opt-in operation counters for the benchmarks (bench/README.md, "Cost per operation"): with the
 * variable LATTICE_METRICS = "on", the Worker counts its incoming requests and platform/stubs.ts
 * counts every call into a Durable Object (RPC method or fetch), per class and method, with the
 * caller-side wall time of each call. GET /_lattice/metrics returns the totals since start.
 *
 * The counters live in module scope. In local workerd the Worker and its Durable Objects run in
 * one isolate of one script, so calls made by a DO (a RoomDO delivering to UserDOs) land in the
 * same counters; on Cloudflare each isolate would count separately. With metrics off nothing is
 * wrapped and nothing is counted.
 */

export interface MetricsSnapshot {
  /** Name → number of events (requests or calls). */
  counts: Record<string, number>;
  /** Name → summed wall milliseconds of those calls, as the caller saw them. */
  ms: Record<string, number>;
}

const counts = new Map<string, number>();
const ms = new Map<string, number>();

export function metricsEnabled(env: { LATTICE_METRICS?: string }): boolean {
  return env.LATTICE_METRICS === "on";
}

export function count(name: string, n = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + n);
}

export function addTime(name: string, millis: number): void {
  ms.set(name, (ms.get(name) ?? 0) + millis);
}

export function snapshot(): MetricsSnapshot {
  return { counts: Object.fromEntries(counts), ms: Object.fromEntries([...ms].map(([k, v]) => [k, Math.round(v * 10) / 10])) };
}

/**
 * Wraps a Durable Object stub so that each method call counts as `do.<Class>.<method>` and
 * `do.<Class>` (and times the returned promise). Property reads that are not calls are passed
 * through untouched.
 */
export function countedStub<T extends object>(stub: T, className: string): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== "string" || prop === "then" || typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        count(`do.${className}`);
        count(`do.${className}.${prop}`);
        const start = Date.now();
        // Reflect.apply, not fn.apply: on an RPC stub `fn.apply` would itself be a remote call.
        const result: unknown = Reflect.apply(fn, target, args);
        // RPC results are thenables (not always native Promises); time them when they settle.
        const thenable = result !== null && (typeof result === "object" || typeof result === "function");
        if (thenable && typeof (result as { then?: unknown }).then === "function") {
          return Promise.resolve(result as PromiseLike<unknown>).finally(() => addTime(`do.${className}.${prop}`, Date.now() - start));
        }
        return result;
      };
    },
  });
}
