import { addDays, day } from "../src/cost/days.js";
import type { ParsedRun, RunStage } from "../src/ledger/snapshot.js";
import { type Money, parseMoney, sumMoney } from "../src/money/index.js";
import type { Decision } from "../src/policy/index.js";
import { type ReportData, reportWithoutHistory } from "../src/report/data.js";
import type { Removal } from "../src/report/history.js";

export const NOW = new Date("2026-11-27T08:00:00Z");
const DAY = 86_400_000;

/** A deterministic generator (mulberry32): the same estate on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DECISION_MIX: [Decision, number][] = [
  ["keep", 0.45],
  ["protected", 0.1],
  ["expiring", 0.15],
  ["remove", 0.05],
  ["removing", 0.03],
  ["failed", 0.03],
  ["locked", 0.04],
  ["orphaned", 0.05],
  ["unknown", 0.1],
];

function pick<T>(rand: () => number, mix: [T, number][]): T {
  let r = rand();
  for (const [value, weight] of mix) {
    r -= weight;
    if (r < 0) return value;
  }
  return mix[0]?.[0] as T;
}

const money = (dollars: number): Money => parseMoney(dollars.toFixed(4));

/**
 * A report of `stages` stages built directly (no sandbox): every decision, owners, 90 days of daily cost,
 * removals with their cost, failures, untagged spend and an inactive cost tag.
 */
export function fixtureReport(stages: number, seed = 7, dryRun = false): ReportData {
  const rand = random(seed);
  const apps = Array.from(
    { length: Math.max(3, Math.ceil(stages / 20)) },
    (_, i) => ["shop", "api", "data-pipeline", "web", "billing"][i] ?? `app-${i}`,
  );
  const today = day(NOW);
  const list: RunStage[] = [];
  for (let i = 0; i < stages; i++) {
    const app = apps[i % apps.length] ?? "shop";
    const decision = pick(rand, DECISION_MIX);
    const kind =
      decision === "protected" ? "permanent" : rand() < 0.6 ? "pr" : rand() < 0.7 ? "personal" : "other";
    const stage =
      kind === "permanent"
        ? `production-${i}`
        : kind === "pr"
          ? `pr-${100 + i}`
          : kind === "personal"
            ? `dev-${i}`
            : `load-test-${i}`;
    const ageDays = Math.floor(rand() * 120) + 1;
    const rate = kind === "permanent" ? 5 + rand() * 35 : 0.05 * 300 ** rand();
    const daily = Array.from({ length: 90 }, (_, d) => ({
      date: addDays(today, d - 90),
      amount: d < 90 - ageDays ? 0n : money(rate * (0.8 + rand() * 0.4)),
    })).filter((d) => d.amount > 0n);
    const last7 = sumMoney(daily.filter((d) => d.date >= addDays(today, -7)).map((d) => d.amount));
    const mtd = sumMoney(daily.filter((d) => d.date >= "2026-11-01").map((d) => d.amount));
    list.push({
      account: i % 3 === 0 ? "222222222222" : "111111111111",
      region: i % 4 === 0 ? "eu-west-1" : "us-east-1",
      app,
      stage,
      kind,
      decision,
      reason: `${stage} is ${decision}: a reason a person can read & dispute <with "quotes">.`,
      removeAt: decision === "expiring" ? new Date(NOW.getTime() + (1 + (i % 20)) * 3_600_000) : undefined,
      protected: kind === "permanent",
      createdAt: new Date(NOW.getTime() - ageDays * DAY),
      ageDays,
      idleDays: Math.floor(rand() * ageDays),
      locked: decision === "locked",
      taggedResources: 4,
      owner: kind === "personal" ? `U0OWNER${i % 26}` : undefined,
      cost: {
        yesterday: daily.at(-1)?.amount ?? 0n,
        last7Days: last7,
        monthToDate: mtd,
        forecast: (mtd * 30n) / 26n,
        estimated: true,
        daily,
      },
    });
  }
  const snapshot: ParsedRun = {
    at: NOW,
    dryRun,
    stages: list,
    failures: [
      {
        source: "tagging",
        account: "222222222222",
        region: "eu-west-1",
        message: "ThrottledException: Rate exceeded",
      },
    ],
    malformed: [
      {
        account: "111111111111",
        region: "us-east-1",
        location: "s3://sst-state/app/shop/bad$name.json",
        problem: "not a valid SST stage name",
      },
    ],
    untagged: [
      { account: "111111111111", yesterday: money(4.85), last7Days: money(33.95), monthToDate: money(126.1) },
    ],
    costTags: [
      {
        account: "222222222222",
        tag: "sst:stage",
        message: "Activate it in Billing → Cost allocation tags; data appears within 24 hours.",
      },
    ],
    actions: {
      warned: list
        .filter((s) => s.decision === "expiring")
        .map((s) => `${s.account}/${s.region}/${s.app}/${s.stage}`),
      started: list
        .filter((s) => s.decision === "remove")
        .slice(0, 10)
        .map((s, i) => ({ stage: `${s.account}/${s.region}/${s.app}/${s.stage}`, removalId: `r-${i}` })),
      wouldRemove: [],
      refused: [
        { stage: "111111111111/us-east-1/shop/pr-1", reason: "the stage is locked by a running deploy" },
      ],
    },
    problems: [],
  };
  const data = reportWithoutHistory(snapshot);
  const removals: Removal[] = Array.from({ length: Math.max(3, Math.floor(stages / 10)) }, (_, i) => ({
    account: "111111111111",
    region: "us-east-1",
    app: apps[i % apps.length] ?? "shop",
    stage: `pr-${9000 + i}`,
    at: new Date(NOW.getTime() - Math.floor(rand() * 60) * DAY - 3_600_000 * (i % 5)),
    outcome: i % 9 === 8 ? "not-found" : "removed",
    removalId: `rm-${i}`,
    by: "schedule: daily run",
    last7Days: money(rand() * 40),
  }));
  removals.push({
    ...removals[0],
    stage: "pr-9999",
    at: new Date(NOW.getTime() - 3 * 3_600_000),
    removalId: "rm-new",
  } as Removal);
  return {
    ...data,
    weekAgo: {
      at: new Date(NOW.getTime() - 7 * DAY),
      stages: stages - 3,
      last7Days: (data.totals.cost.last7Days * 9n) / 10n,
    },
    since: new Date(NOW.getTime() - DAY),
    removals: removals.sort((a, b) => b.at.getTime() - a.at.getTime()),
    failedRemovals: [
      {
        account: "111111111111",
        region: "us-east-1",
        app: "api",
        stage: "pr-77",
        at: new Date(NOW.getTime() - 5 * 3_600_000),
        outcome: "failed",
        message: "sst remove exited 1",
      },
    ],
  };
}

export interface PostedMessage {
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Record<string, unknown>[];
}

/** What the sandbox Slack holds in a channel, oldest first. */
export async function posted(url: string, channel = "C0STAGES"): Promise<PostedMessage[]> {
  const response = await fetch(`${url}/_sandbox/slack/messages?channel=${channel}`);
  return ((await response.json()) as { messages: PostedMessage[] }).messages;
}

export const topLevel = (messages: PostedMessage[]) =>
  messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
export const repliesTo = (messages: PostedMessage[], ts: string) =>
  messages.filter((m) => m.thread_ts === ts && m.ts !== ts);
