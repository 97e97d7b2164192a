/**
 * Fault injection per service and operation: latency, the service's own throttling error, or a 5xx, for the
 * next N calls or a fraction of calls; and request-rate limits that answer with the throttling error.
 */
export type FaultKind = "latency" | "throttle" | "error";

export interface FaultRule {
  service: string;
  /** Omitted: every operation of the service. */
  operation?: string;
  kind: FaultKind;
  /** For latency: how long to wait before answering. */
  latencyMs?: number;
  /** How many matching calls the rule applies to; omitted: until cleared. */
  count?: number;
  /** The share of matching calls it applies to (0–1), decided by a seeded generator. */
  fraction?: number;
}

/** A request-rate quota, counted per caller account and region as AWS counts its quotas. */
export interface RateLimit {
  service: string;
  operation?: string;
  perSecond: number;
}

export interface Decision {
  latencyMs: number;
  fail?: "throttle" | "error";
}

interface Active extends FaultRule {
  id: number;
  used: number;
}

export class Faults {
  private rules: Active[] = [];
  private limits: (RateLimit & { calls: Map<string, number[]> })[] = [];
  private nextId = 1;
  private random = mulberry32(1);
  /** Latency added to every call, e.g. to benchmark against a realistic network. */
  baseLatencyMs = 0;

  add(rule: FaultRule): number {
    validate(rule);
    const id = this.nextId++;
    this.rules.push({ ...rule, id, used: 0 });
    return id;
  }

  limit(limit: RateLimit): void {
    if (!(limit.perSecond > 0)) throw new Error("perSecond must be a positive number");
    this.limits = this.limits.filter((l) => l.service !== limit.service || l.operation !== limit.operation);
    this.limits.push({ ...limit, calls: new Map() });
  }

  clear(): void {
    this.rules = [];
    this.limits = [];
    this.baseLatencyMs = 0;
  }

  list(): { rules: FaultRule[]; limits: RateLimit[]; baseLatencyMs: number } {
    return {
      rules: this.rules.map(({ used: _used, ...rule }) => rule),
      limits: this.limits.map(({ calls: _calls, ...limit }) => limit),
      baseLatencyMs: this.baseLatencyMs,
    };
  }

  /** Decides what happens to one call; counts it against the rules and limits it matches. */
  decide(service: string, operation: string, scope = ""): Decision {
    const decision: Decision = { latencyMs: this.baseLatencyMs };
    for (const rule of this.rules) {
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      if (rule.count !== undefined && rule.used >= rule.count) continue;
      if (rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      rule.used++;
      if (rule.kind === "latency") decision.latencyMs += rule.latencyMs ?? 0;
      else decision.fail ??= rule.kind;
    }
    this.rules = this.rules.filter((rule) => rule.count === undefined || rule.used < rule.count);
    const now = Date.now();
    for (const limit of this.limits) {
      if (limit.service !== service || (limit.operation && limit.operation !== operation)) continue;
      const calls = (limit.calls.get(scope) ?? []).filter((t) => now - t < 1000);
      if (calls.length >= limit.perSecond) decision.fail ??= "throttle";
      else calls.push(now);
      limit.calls.set(scope, calls);
    }
    return decision;
  }
}

function validate(rule: FaultRule): void {
  if (!rule.service) throw new Error("a fault needs a service");
  if (!["latency", "throttle", "error"].includes(rule.kind)) {
    throw new Error(`unknown fault kind ${JSON.stringify(rule.kind)}: use latency, throttle or error`);
  }
  if (rule.kind === "latency" && !(Number(rule.latencyMs) >= 0))
    throw new Error("a latency fault needs latencyMs");
  if (rule.fraction !== undefined && !(rule.fraction >= 0 && rule.fraction <= 1)) {
    throw new Error("fraction must be between 0 and 1");
  }
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0)) {
    throw new Error("count must be a positive whole number");
  }
}

/** A small seeded generator, so that fractional faults repeat from run to run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
