import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../src/config/index.js";
import { parseMoney } from "../src/money/index.js";
import {
  type DecideInput,
  decide,
  type PlannedStage,
  planToJson,
  renderPlanTable,
} from "../src/plan/index.js";
import type { StageCost, StageFacts } from "../src/stage/facts.js";
import { stageId } from "../src/stage/key.js";

const DAY = 86_400_000;
const T0 = new Date("2025-03-01T08:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const NOW = at(20);

function facts(stage: string, deployedDaysAgo: number, extra: Partial<StageFacts> = {}): StageFacts {
  return {
    account: "111111111111",
    region: "us-east-1",
    app: "web",
    stage,
    live: true,
    createdAt: at(0),
    lastDeployedAt: new Date(NOW.getTime() - deployedDaysAgo * DAY),
    protect: false,
    resourceCount: 4,
    resourceTypes: {},
    taggedResources: 4,
    ...extra,
  };
}

function cost(last7Days: string): StageCost {
  const amount = parseMoney(last7Days);
  return {
    yesterday: amount / 7n,
    last7Days: amount,
    monthToDate: amount * 2n,
    forecast: amount * 4n,
    estimated: false,
    daily: [{ date: "2025-03-20", amount: amount / 7n, estimated: false }],
  };
}

function input(
  estate: StageFacts[],
  extra: Partial<DecideInput> = {},
  config: Config = parseConfig({}),
): DecideInput {
  // Every stage was warned a day ago (after its last deploy), so whatever is due is a removal.
  const warned = new Map(estate.map((f) => [stageId(f), at(19)]));
  return {
    facts: estate,
    orphans: [],
    costs: new Map(),
    failures: [],
    malformed: [],
    warned,
    config,
    now: NOW,
    ...extra,
  };
}

const find = (stages: PlannedStage[], stage: string) => stages.find((s) => s.stage === stage);

describe("decide", () => {
  it("plans every stage, with ages and idle days, sorted by app and stage", () => {
    const plan = decide(input([facts("pr-2", 10), facts("production", 90), facts("pr-1", 2)]));
    expect(plan.stages.map((s) => [s.stage, s.decision, s.idleDays, s.ageDays])).toEqual([
      ["pr-1", "keep", 2, 20],
      ["pr-2", "remove", 10, 20],
      ["production", "protected", 90, 20],
    ]);
    expect(plan.dryRun).toBe(true);
    expect(plan.generatedAt).toEqual(NOW);
    expect(plan.totals.byDecision).toMatchObject({ keep: 1, remove: 1, protected: 1, expiring: 0 });
  });

  it("caps removals per run: oldest expiry first, then highest 7-day cost, then stage id", () => {
    const estate = [
      facts("pr-1", 8),
      facts("pr-2", 12), // oldest expiry: first
      facts("pr-3", 8),
      facts("pr-4", 8),
      { ...facts("pr-5", 8), app: "api" },
    ];
    const costs = new Map([
      [stageId(estate[2] as StageFacts), cost("30")], // pr-3: most expensive of the day-8 group
      [stageId(estate[0] as StageFacts), cost("5")],
    ]);
    const config = parseConfig({ maxRemovalsPerRun: 3 });
    const plan = decide(input(estate, { costs }, config));
    const removed = plan.stages.filter((s) => s.decision === "remove").map((s) => `${s.app}/${s.stage}`);
    expect(removed.sort()).toEqual(["web/pr-1", "web/pr-2", "web/pr-3"]);
    const deferred = plan.stages.filter((s) => s.decision === "expiring");
    expect(deferred.map((s) => `${s.app}/${s.stage}`)).toEqual(["api/pr-5", "web/pr-4"]);
    expect(deferred[0]?.reason).toBe(
      "pr-5 is due for removal but deferred by the per-run cap (3); a later run removes it.",
    );
  });

  it("the cap falls back to the stage id, so input order does not matter", () => {
    const estate = ["pr-7", "pr-3", "pr-5", "pr-1"].map((name) => facts(name, 8));
    const config = parseConfig({ maxRemovalsPerRun: 2 });
    const forward = decide(input(estate, {}, config));
    const backward = decide(input([...estate].reverse(), {}, config));
    expect(forward).toEqual(backward);
    expect(forward.stages.filter((s) => s.decision === "remove").map((s) => s.stage)).toEqual([
      "pr-1",
      "pr-3",
    ]);
  });

  it("a cap of zero removes nothing", () => {
    const plan = decide(input([facts("pr-1", 9)], {}, parseConfig({ maxRemovalsPerRun: 0 })));
    expect(plan.stages[0]?.decision).toBe("expiring");
  });

  it("a cost failure blanks costs but does not block removals", () => {
    const estate = [facts("pr-1", 9), { ...facts("pr-2", 9), account: "222222222222" }];
    const costs = new Map(estate.map((f) => [stageId(f), cost("7")]));
    const failures = [{ source: "cost" as const, account: "111111111111", message: "throttled" }];
    const plan = decide(input(estate, { costs, failures }));
    expect(find(plan.stages, "pr-1")).toMatchObject({ decision: "remove", cost: undefined });
    expect(find(plan.stages, "pr-2")?.cost?.last7Days).toBe(parseMoney("7"));
    expect(plan.failures).toEqual(failures);
    const all = decide(input(estate, { costs, costFailure: true }));
    expect(all.stages.every((s) => s.cost === undefined && s.decision === "remove")).toBe(true);
    expect(all.totals.cost.last7Days).toBe(0n);
  });

  it("orphan groups join the plan; a group that has state is not doubled", () => {
    const estate = [facts("pr-1", 2)];
    const orphans = [
      { account: "111111111111", region: "us-east-1", app: "web", stage: "pr-9", taggedResources: 3 },
      { account: "111111111111", region: "us-east-1", app: "web", stage: "pr-1", taggedResources: 4 },
    ];
    const plan = decide(input(estate, { orphans }));
    expect(plan.stages).toHaveLength(2);
    expect(find(plan.stages, "pr-9")).toMatchObject({
      decision: "orphaned",
      protected: "unknown",
      taggedResources: 3,
    });
  });

  it("names the owner of a personal stage", () => {
    const plan = decide(input([facts("alice", 1)], {}, parseConfig({ owners: { alice: "U0AAA" } })));
    expect(plan.stages[0]).toMatchObject({ kind: "personal", owner: "U0AAA" });
  });

  it("sums costs exactly", () => {
    const estate = [facts("pr-1", 9), facts("feature", 1)];
    const costs = new Map([
      [stageId(estate[0] as StageFacts), cost("0.0000000001")],
      [stageId(estate[1] as StageFacts), cost("1.1")],
    ]);
    const plan = decide(input(estate, { costs }));
    expect(plan.totals.cost.last7Days).toBe(parseMoney("1.1000000001"));
    expect(plan.totals.reclaimable7Days).toBe(parseMoney("0.0000000001"));
  });
});

describe("planToJson", () => {
  const estate = [
    facts("pr-1", 9),
    facts("production", 40, { protect: "unknown", lastDeployedAt: undefined }),
  ];
  const costs = new Map([[stageId(estate[0] as StageFacts), cost("12.3456789012")]]);
  const failures = [{ source: "tagging" as const, account: "222222222222", message: "throttled" }];
  const malformed = [
    { account: "111111111111", region: "us-east-1", location: "app/bad app/x.json", problem: "app name" },
  ];
  const json = planToJson(decide(input(estate, { costs, failures, malformed })));

  it("has the documented top level", () => {
    expect(Object.keys(json)).toEqual([
      "schemaVersion",
      "generatedAt",
      "dryRun",
      "stages",
      "totals",
      "failures",
      "malformed",
      "untagged",
      "costTags",
    ]);
    expect(json).toMatchObject({ schemaVersion: 1, generatedAt: "2025-03-21T08:00:00.000Z", dryRun: true });
    expect(json.failures).toEqual([
      { source: "tagging", account: "222222222222", region: null, message: "throttled" },
    ]);
    expect(json.malformed).toEqual(malformed);
    expect(json.untagged).toBeNull();
  });

  it("writes money as exact decimal strings and times as ISO", () => {
    const stage = json.stages.find((s) => s.stage === "pr-1");
    expect(stage).toMatchObject({
      account: "111111111111",
      region: "us-east-1",
      app: "web",
      kind: "pr",
      decision: "remove",
      protected: false,
      createdAt: "2025-03-01T08:00:00.000Z",
      lastDeployedAt: "2025-03-12T08:00:00.000Z",
      cost: { last7Days: "12.3456789012", monthToDate: "24.6913578024", forecast: "49.3827156048" },
    });
    expect(json.totals.cost.last7Days).toBe("12.3456789012");
  });

  it("matches the example in docs/plan-schema.md, field for field", async () => {
    const doc = await readFile(new URL("../../../docs/plan-schema.md", import.meta.url), "utf8");
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? "null");
    const keys = (value: object) => Object.keys(value).sort();
    expect(keys(example)).toEqual(keys(json));
    expect(keys(example.stages[0])).toEqual(keys(json.stages[0] as object));
    expect(keys(example.stages[0].cost)).toEqual(keys(json.stages.find((s) => s.cost)?.cost as object));
    expect(keys(example.totals)).toEqual(keys(json.totals));
    expect(keys(example.totals.byDecision)).toEqual(keys(json.totals.byDecision));
  });

  it("writes null, not nothing, for what is unknown, and survives JSON.stringify", () => {
    const stage = json.stages.find((s) => s.stage === "production");
    expect(stage).toMatchObject({
      protected: "unknown",
      lastDeployedAt: null,
      cost: null,
      removeAt: null,
      owner: null,
    });
    const text = JSON.stringify(json);
    expect(JSON.parse(text)).toEqual(json);
  });
});

describe("renderPlanTable", () => {
  const estate = [
    facts("pr-1", 9),
    facts("pr-2", 6, { lastDeployedAt: new Date(NOW.getTime() - 6.5 * DAY) }),
    facts("production", 40),
  ];
  const costs = new Map([[stageId(estate[0] as StageFacts), { ...cost("1234.5678"), estimated: true }]]);
  const warned = new Map([[stageId(estate[0] as StageFacts), at(19)]]);
  const failures = [
    { source: "state" as const, account: "222222222222", region: "eu-west-1", message: "denied" },
  ];
  const text = renderPlanTable(decide(input(estate, { costs, warned, failures })));

  it("groups by decision, in the order a reader acts on them", () => {
    const remove = text.indexOf("REMOVE (1)");
    const expiring = text.indexOf("EXPIRING (1)");
    const protectedAt = text.indexOf("PROTECTED (1)");
    expect(remove).toBeGreaterThan(0);
    expect(expiring).toBeGreaterThan(remove);
    expect(protectedAt).toBeGreaterThan(expiring);
    expect(text).toMatch(/APP\s+STAGE\s+KIND\s+AGE\s+IDLE\s+7-DAY COST\s+MONTH TO DATE\s+DECISION\s+REASON/);
  });

  it("shows money for people, marks estimated costs and totals", () => {
    expect(text).toContain("$1,234.57*");
    expect(text).toContain("$2,469.14*");
    expect(text).toContain("Totals: 3 stages (1 remove, 1 expiring, 1 protected)");
    expect(text).toContain("last 7 days $1,234.57");
    expect(text).toContain("includes estimated days");
    expect(text).toContain("(dry run: nothing will be changed)");
  });

  it("lists failed reads", () => {
    expect(text).toContain("  - state 222222222222/eu-west-1: denied");
  });

  it("aligns columns within the table", () => {
    const rows = text.split("\n").filter((line) => / web {2}/.test(line));
    const kindColumn = rows.map((line) => line.indexOf("pr ") >= 0 || line.indexOf("permanent") >= 0);
    expect(kindColumn.every(Boolean)).toBe(true);
    const reasonStarts = new Set(rows.map((line) => line.search(/(remove|expiring|protected) {2}/)));
    expect(reasonStarts.size).toBe(1);
  });

  it("says so when there is nothing", () => {
    expect(renderPlanTable(decide(input([])))).toContain("No SST stages found.");
  });
});
