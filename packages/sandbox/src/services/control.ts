import type { FaultRule, RateLimit } from "../faults.js";
import { json, type SandboxRequest, type SandboxResponse } from "../http.js";
import type { SandboxContext, Service } from "./service.js";

type Route = (req: SandboxRequest) => Promise<SandboxResponse> | SandboxResponse;

/**
 * The sandbox's own API under /_sandbox: the clock, request counters, fault injection, and each service's
 * inspection routes. Tests and the demo drive the sandbox through it over HTTP.
 */
export function controlRoutes(
  ctx: SandboxContext & { requests: Map<string, number>; bytes?: Map<string, number>; services: Service[] },
): Record<string, Route> {
  const { clock } = ctx.estate;
  const routes: Record<string, Route> = {
    "GET /_sandbox/health": () => json(200, { ok: true, now: clock.now().toISOString() }),
    "GET /_sandbox/clock": () => json(200, { now: clock.now().toISOString() }),
    "POST /_sandbox/clock": (req) =>
      guard(() => {
        const body = parse(req) as { set?: string; advance?: string };
        if (body.set !== undefined) clock.set(body.set);
        else if (body.advance !== undefined) clock.advance(body.advance);
        else throw new Error('send {"set": ISO-8601 time} or {"advance": ISO-8601 duration}');
        return { now: clock.now().toISOString() };
      }),
    "GET /_sandbox/requests": () => {
      const counts = Object.fromEntries([...ctx.requests.entries()].sort(([a], [b]) => a.localeCompare(b)));
      const total = [...ctx.requests.values()].reduce((sum, n) => sum + n, 0);
      const bytes = Object.fromEntries([...(ctx.bytes ?? [])].sort(([a], [b]) => a.localeCompare(b)));
      return json(200, { total, counts, bytes });
    },
    "DELETE /_sandbox/requests": () => {
      ctx.requests.clear();
      ctx.bytes?.clear();
      return json(200, { total: 0, counts: {}, bytes: {} });
    },
    "GET /_sandbox/faults": () => json(200, ctx.faults.list()),
    "POST /_sandbox/faults": (req) => guard(() => ({ id: ctx.faults.add(parse(req) as FaultRule) })),
    "POST /_sandbox/rate-limits": (req) =>
      guard(() => {
        ctx.faults.limit(parse(req) as RateLimit);
        return ctx.faults.list();
      }),
    "POST /_sandbox/latency": (req) =>
      guard(() => {
        const { ms } = parse(req) as { ms?: number };
        if (!(typeof ms === "number" && ms >= 0)) throw new Error('send {"ms": milliseconds}');
        ctx.faults.baseLatencyMs = ms;
        return ctx.faults.list();
      }),
    "DELETE /_sandbox/faults": () => {
      ctx.faults.clear();
      return json(200, ctx.faults.list());
    },
  };
  for (const service of ctx.services) Object.assign(routes, service.control);
  return routes;
}

function parse(req: SandboxRequest): unknown {
  return JSON.parse(req.body.toString("utf8") || "{}");
}

function guard(run: () => unknown): SandboxResponse {
  try {
    return json(200, run());
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
