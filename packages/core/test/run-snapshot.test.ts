import { describe, expect, it } from "vitest";
import type { RunSnapshot } from "../src/ledger/runs.js";
import { parseRun, parseWholeRun } from "../src/ledger/snapshot.js";
import { parseMoney } from "../src/money/index.js";

const stage = (name: string, extra: Record<string, unknown> = {}) => ({
  account: "111111111111",
  region: "us-east-1",
  app: "shop",
  stage: name,
  kind: "pr",
  decision: "keep",
  reason: "fresh",
  cost: {
    yesterday: "0.1000000001",
    last7Days: "0.7",
    monthToDate: "2",
    forecast: "3",
    daily: [{ date: "2026-11-19", amount: "0.1000000001" }],
  },
  ...extra,
});

const snapshot = (stages: unknown[], plan: Record<string, unknown> = {}): RunSnapshot => ({
  at: "2026-11-20T09:00:00.000Z",
  dryRun: false,
  liveStages: stages.length,
  plan: { stages, ...plan },
  actions: {},
});

describe("run snapshots read back", () => {
  it("reads exact money and defaults what an older version left out", () => {
    const run = parseRun(snapshot([stage("pr-1")]));
    expect(run.problems).toEqual([]);
    expect(run.stages[0]?.cost).toEqual({
      yesterday: parseMoney("0.1000000001"),
      last7Days: parseMoney("0.7"),
      monthToDate: parseMoney("2"),
      forecast: parseMoney("3"),
      estimated: false,
      daily: [{ date: "2026-11-19", amount: parseMoney("0.1000000001") }],
    });
    expect(run.stages[0]).toMatchObject({ protected: "unknown", locked: false, taggedResources: 0 });
    expect(run).toMatchObject({ failures: [], malformed: [], untagged: [], costTags: [] });
    expect(run.actions).toEqual({ warned: [], started: [], wouldRemove: [], refused: [] });
  });

  it("skips the daily series for readers of totals only", () => {
    const [read] = parseRun(snapshot([stage("pr-1")]), { daily: false }).stages;
    expect(read?.cost).toMatchObject({ last7Days: parseMoney("0.7"), daily: [] });
    // Without a series at all (and with `estimated` left out), the totals still read.
    const { daily: _, ...totals } = stage("pr-2").cost;
    const bare = parseRun(snapshot([stage("pr-2", { cost: totals })]), { daily: false });
    expect(bare.problems).toEqual([]);
    expect(bare.stages[0]?.cost).toMatchObject({ forecast: parseMoney("3"), estimated: false, daily: [] });
  });

  it("leaves out a stage it cannot read (a hostile name, an unknown decision) and says which", () => {
    const run = parseRun(
      snapshot([stage("pr-1"), stage("pr-2; rm -rf /"), stage("pr-3", { decision: "vanish" })], {
        failures: "not a list",
      }),
    );
    expect(run.stages.map((s) => s.stage)).toEqual(["pr-1"]);
    expect(run.failures).toEqual([]);
    expect(run.problems).toEqual([
      "plan.stages.1.stage: not an SST stage name",
      expect.stringMatching(/^plan\.stages\.2\.decision: /),
      expect.stringMatching(/^plan\.failures: /),
    ]);
  });

  it("refuses a snapshot with problems where the whole run must be shown (the report)", () => {
    expect(() => parseWholeRun(snapshot([stage("pr-1", { cost: { yesterday: 1 } })]))).toThrow(
      /^run snapshot 2026-11-20T09:00:00.000Z: plan\.stages\.0\.cost\.yesterday: /,
    );
    expect(parseWholeRun(snapshot([stage("pr-1")])).stages).toHaveLength(1);
  });
});
