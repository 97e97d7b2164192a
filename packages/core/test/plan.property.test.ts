import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../src/config/index.js";
import { decide, type Plan } from "../src/plan/index.js";
import type { KeepOverride, PullRequestState } from "../src/policy/index.js";
import type { SourceFailure, StageFacts } from "../src/stage/facts.js";
import { isValidAppName, isValidStageName, type StageKey, stageId } from "../src/stage/key.js";

/**
 * The safety invariants of PRODUCT.md, checked over random estates rather than hand-picked ones. The
 * oracles below restate the rules independently of the policy code (e.g. the permanent pattern), so a bug
 * in the policy cannot hide behind the same bug in the test.
 */

const HOUR = 3_600_000;
const BASE = Date.UTC(2025, 0, 1);
const ACCOUNTS = ["111111111111", "222222222222"];
const REGIONS = ["us-east-1", "eu-west-1"];
const OWNERS = ["alice", "bob", "dev-carol"];
const PERMANENT = /^(production|staging|prod|main|master|live|release)(-.*)?$/i;
const BLOCKING = new Set(["state", "lock", "tagging", "bootstrap"]);

const stageName = fc.oneof(
  fc.constantFrom("production", "Production-eu", "staging", "prod-2", "main", "master", "live", "release-x"),
  fc.nat(40).map((n) => `pr-${n}`),
  fc.constantFrom(...OWNERS, "dev-dan", "feature-x", "productions", "PR-1", "pr-1a"),
  fc.string({ unit: fc.constantFrom("a", "p", "r", "-", "1", " ", "/", "Z"), maxLength: 8 }),
);

interface Extras {
  override?: KeepOverride;
  warnedAt?: Date;
  pr?: PullRequestState;
}

/** Hours before `now` (negative: after it), so warnings, keeps and deploys land near the moment judged. */
const ago = (min: number, max: number) => fc.integer({ min, max });
/** Present in `percent` of stages. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, percent: number) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary, weight: percent });

const rawStage = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  region: fc.constantFrom(...REGIONS),
  app: fc.constantFrom("web", "web", "web", "api", "api", "api", "9bad", "a b"),
  stage: stageName,
  live: fc.constantFrom(true, true, true, false),
  deployedAgo: sometimes(ago(-24, 1000), 90),
  createdBefore: sometimes(ago(0, 1000), 90),
  protect: fc.constantFrom(true, false, false, false, false, "unknown" as const),
  lockAgo: sometimes(ago(-5, 100), 15),
  resourceCount: fc.nat(50),
  taggedResources: fc.nat(3),
  keepUntilIn: sometimes(ago(-300, 300), 20),
  warnedAgo: sometimes(ago(-5, 400), 60),
  pr: sometimes(
    fc.record({ state: fc.constantFrom("open" as const, "closed" as const), closedAgo: ago(-5, 400) }),
    40,
  ),
});

function materialise(raw: typeof rawStage extends fc.Arbitrary<infer R> ? R : never, now: Date) {
  const before = (hours: number) => new Date(now.getTime() - hours * HOUR);
  const lastDeployedAt = raw.deployedAgo === undefined ? undefined : before(raw.deployedAgo);
  const createdAt =
    raw.createdBefore === undefined ? undefined : before((raw.deployedAgo ?? 0) + raw.createdBefore);
  const facts: StageFacts = {
    account: raw.account,
    region: raw.region,
    app: raw.app,
    stage: raw.stage,
    live: raw.live,
    createdAt,
    lastDeployedAt,
    protect: raw.protect,
    lock: raw.lockAgo === undefined ? undefined : { createdAt: before(raw.lockAgo), command: "deploy" },
    resourceCount: raw.resourceCount,
    resourceTypes: {},
    taggedResources: raw.taggedResources,
  };
  const extras: Extras = {
    override: raw.keepUntilIn === undefined ? undefined : { until: before(-raw.keepUntilIn), by: "U0AAA" },
    warnedAt: raw.warnedAgo === undefined ? undefined : before(raw.warnedAgo),
    pr: raw.pr && { state: raw.pr.state, closedAt: before(raw.pr.closedAgo) },
  };
  return { facts, extras };
}

const failure: fc.Arbitrary<SourceFailure> = fc.record(
  {
    source: fc.constantFrom("bootstrap", "state", "lock", "tagging", "cost", "github"),
    account: fc.constantFrom(...ACCOUNTS),
    region: fc.constantFrom(...REGIONS),
    message: fc.constant("failed"),
  },
  { requiredKeys: ["source", "account", "message"] },
);

/** The defaults, varied only where the defaults leave room: owners, the personal pattern, the cap, grace. */
const defaultish = fc
  .record({
    owners: fc.subarray(OWNERS),
    personalPattern: fc.option(fc.constant("^dev-"), { nil: undefined }),
    maxRemovalsPerRun: fc.nat(6),
    graceMinutes: fc.nat(120),
    dryRun: fc.boolean(),
  })
  .map(({ owners, graceMinutes, ...rest }) =>
    parseConfig({
      ...rest,
      owners: Object.fromEntries(owners.map((o) => [o, "U0AAA"])),
      github: { graceMinutes },
    }),
  );

/** Any valid config: aggressive custom kinds (1 idle day, no warning lead time) included. */
const anyConfig = fc
  .record({
    kinds: fc.array(
      fc.record({
        match: fc.constantFrom("^pr-", ".", "^[a-z]+$", "-", "^prod"),
        ignoreCase: fc.boolean(),
        expire: fc.record(
          {
            idleDays: fc.integer({ min: 1, max: 10 }),
            ageDays: fc.integer({ min: 1, max: 10 }),
            onPrClosed: fc.boolean(),
            at: fc.constantFrom("2025-01-02", "2025-02-01T12:00:00Z"),
          },
          { requiredKeys: [] },
        ),
        warnHours: fc.integer({ min: 0, max: 48 }),
        removable: fc.constantFrom(true, true, true, false),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    maxRemovalsPerRun: fc.nat(20),
  })
  .map(({ kinds, maxRemovalsPerRun }) =>
    parseConfig({ maxRemovalsPerRun, kinds: kinds.map((kind, i) => ({ name: `k${i}`, ...kind })) }),
  );

const estate = (config: fc.Arbitrary<Config>): fc.Arbitrary<Estate> =>
  fc
    .record({
      stages: fc.uniqueArray(rawStage, {
        maxLength: 12,
        selector: (s) => `${s.account}/${s.region}/${s.app}/${s.stage}`,
      }),
      failures: fc.oneof(
        { arbitrary: fc.constant<SourceFailure[]>([]), weight: 2 },
        fc.array(failure, { minLength: 1, maxLength: 2 }),
      ),
      now: fc.integer({ min: 0, max: 2160 }).map((h) => new Date(BASE + h * HOUR)),
      config,
    })
    .map(({ stages, ...rest }) => ({ ...rest, stages: stages.map((raw) => materialise(raw, rest.now)) }));

type Estate = {
  stages: { facts: StageFacts; extras: Extras }[];
  failures: SourceFailure[];
  now: Date;
  config: Config;
};

function plan({ stages, failures, now, config }: Estate): Plan {
  const byId = <T>(pick: (extras: Extras) => T | undefined) =>
    new Map(
      stages.flatMap((s) => (pick(s.extras) === undefined ? [] : [[stageId(s.facts), pick(s.extras) as T]])),
    );
  return decide({
    facts: stages.map((s) => s.facts),
    orphans: [],
    costs: new Map(),
    failures,
    malformed: [],
    overrides: byId((e) => e.override),
    warned: byId((e) => e.warnedAt),
    prs: byId((e) => e.pr),
    config,
    now,
  });
}

const acts = (decision: string) => decision === "remove" || decision === "expiring";

function failedThere(failures: SourceFailure[], key: StageKey): boolean {
  return failures.some(
    (f) =>
      BLOCKING.has(f.source) &&
      f.account === key.account &&
      (f.region === undefined || f.region === key.region),
  );
}

/** Reasons that hold under any config: what the policy must never act on. */
function alwaysSafe(s: { facts: StageFacts; extras: Extras }, input: Estate): string | undefined {
  const { facts, extras } = s;
  if (facts.protect === true) return "protected";
  if (facts.protect === "unknown") return "_protect unknown";
  if (extras.override && extras.override.until > input.now) return "kept";
  if (facts.lock) return "locked";
  if (!isValidStageName(facts.stage) || !isValidAppName(facts.app)) return "invalid name";
  if (failedThere(input.failures, facts)) return "failed read";
  if (!facts.live) return "not live";
  return undefined;
}

function isOtherUnderDefaults(name: string, config: Config): boolean {
  if (PERMANENT.test(name) || /^pr-\d+$/.test(name) || Object.hasOwn(config.owners, name)) return false;
  return !(config.personalPattern && new RegExp(config.personalPattern).test(name));
}

/** How often each decision came up per property, so a property that never meets a removal fails. */
const seen = { defaults: new Map<string, number>(), any: new Map<string, number>() };

// Plain throws, not expect(): this runs 10,000 times per property and must stay cheap.
function checkCommon(input: Estate, result: Plan, counts: Map<string, number>): void {
  const byId = new Map(result.stages.map((p) => [stageId(p), p]));
  if (result.stages.length !== input.stages.length) throw new Error("a stage is missing from the plan");
  if (result.totals.byDecision.remove > input.config.maxRemovalsPerRun) throw new Error("cap exceeded");
  for (const s of input.stages) {
    const planned = byId.get(stageId(s.facts));
    if (!planned) throw new Error(`missing ${stageId(s.facts)}`);
    counts.set(planned.decision, (counts.get(planned.decision) ?? 0) + 1);
    const why = alwaysSafe(s, input);
    if (why && acts(planned.decision))
      throw new Error(`${stageId(s.facts)} is ${why} but ${planned.decision}`);
    if (planned.decision === "remove") {
      // Never without an earlier warning, and never before its time.
      const warnedAt = s.extras.warnedAt;
      if (!warnedAt || warnedAt > input.now) throw new Error(`${stageId(s.facts)} removed without a warning`);
      if (!planned.removeAt || planned.removeAt > input.now)
        throw new Error(`${stageId(s.facts)} removed early`);
    }
    if (/[\n\r]/.test(planned.reason)) throw new Error("a reason spans lines");
  }
}

describe("safety invariants over random estates", () => {
  it("under the defaults, protected, permanent, kept, locked, unknown and other stages are never removed or warned", () => {
    fc.assert(
      fc.property(estate(defaultish), (input) => {
        const result = plan(input);
        checkCommon(input, result, seen.defaults);
        for (const planned of result.stages) {
          if (!acts(planned.decision)) continue;
          if (PERMANENT.test(planned.stage))
            throw new Error(`permanent ${planned.stage} is ${planned.decision}`);
          if (isOtherUnderDefaults(planned.stage, input.config)) {
            throw new Error(`other ${planned.stage} is ${planned.decision}`);
          }
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it("under any config, a failed state, lock, bootstrap or tagging read never yields remove or expiring there", () => {
    fc.assert(
      fc.property(estate(anyConfig), (input) => {
        const result = plan(input);
        checkCommon(input, result, seen.any);
        for (const planned of result.stages) {
          if (acts(planned.decision) && failedThere(input.failures, planned)) {
            throw new Error(`${stageId(planned)} is ${planned.decision} despite a failed read`);
          }
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it("the plan does not depend on the order of its input", () => {
    fc.assert(
      fc.property(estate(anyConfig), (input) => {
        const reversed = { ...input, stages: [...input.stages].reverse() };
        expect(plan(reversed)).toEqual(plan(input));
      }),
      { numRuns: 1_000 },
    );
  });

  it("the estates above exercised every decision the policy makes", () => {
    for (const [property, counts] of Object.entries(seen)) {
      for (const decision of ["remove", "expiring", "keep", "protected", "locked", "orphaned", "unknown"]) {
        expect(counts.get(decision) ?? 0, `${property}: ${decision}`).toBeGreaterThan(100);
      }
    }
  });
});
