import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { addDays } from "../src/cost/days.js";
import { latestRun, type RunSnapshot, saveRun } from "../src/ledger/runs.js";
import { parseWholeRun } from "../src/ledger/snapshot.js";
import { moneyToString, parseMoney } from "../src/money/index.js";
import { drainQueue, removalHandler } from "../src/removal/queue.js";
import { claimedRecords, reconcileRemovals } from "../src/removal/reconcile.js";
import { queueUrl } from "../src/removal/request.js";
import { gatherReport } from "../src/report/data.js";
import { publishReport } from "../src/report/report.js";
import { runDaily } from "../src/run/daily.js";
import { DEV, ledgerStore, removalConfig, removalSeed, workerDeps } from "./removal-fixtures.js";
import { posted, repliesTo, topLevel } from "./report-fixtures.js";
import { slackEnv, useSandboxEnv } from "./sandbox-env.js";

let sandbox: Sandbox;
let restore: () => void;

beforeEach(async () => {
  sandbox = await startSandbox({
    seed: removalSeed({
      slack: { channels: [{ id: "C0STAGES", name: "stages" }], users: [{ id: "U0ALICE", name: "alice" }] },
    }),
  });
  restore = useSandboxEnv(sandbox, slackEnv(sandbox));
});
afterEach(async () => {
  restore();
  await sandbox.close();
});

const advance = (duration: string) =>
  fetch(`${sandbox.url}/_sandbox/clock`, { method: "POST", body: JSON.stringify({ advance: duration }) });
const getObjects = async (): Promise<number> => {
  const response = await fetch(`${sandbox.url}/_sandbox/requests`);
  return ((await response.json()) as { counts: Record<string, number> }).counts["s3.GetObject"] ?? 0;
};

describe("the report over the ledger's history", () => {
  it("reports a removal in the next digest with the spend it avoided, and the week-on-week change a week later", async () => {
    const config = removalConfig({ owners: { alice: "U0ALICE" }, slack: { channel: "C0STAGES" } });
    const store = ledgerStore(sandbox);
    const env = () => ({ config, now: sandbox.clock.now(), homeRegion: "us-east-1", store });
    const day = async () => {
      await runDaily(env());
      const snapshot = await latestRun(store);
      if (!snapshot) throw new Error("no snapshot");
      return publishReport(snapshot, { ...env(), slack: { retryConfig: { retries: 0 } } });
    };

    const first = await day();
    expect(first.errors).toEqual([]);
    expect(first.digest.status).toBe("sent");
    const expiring = first.messages?.thread[0];
    expect(expiring?.text).toMatch(/^Expiring: \d+ stages/);
    expect(JSON.stringify(expiring?.blocks)).toContain(
      '"value":"{\\"account\\":\\"111111111111\\",\\"region\\":\\"us-east-1\\",\\"app\\":\\"shop\\",\\"stage\\":\\"pr-12\\"}"',
    );

    // Day 2: the warned stages are removed (the queue worker and the build events, as in production).
    await advance("P1D");
    const second = await runDaily(env());
    expect(second.started.length).toBeGreaterThan(0);
    const sqs = new SQSClient({ region: "us-east-1" });
    await drainQueue(
      sqs,
      await queueUrl(sqs, "stagekeeper-removals"),
      removalHandler(workerDeps(sandbox, store)),
      {
        waitSeconds: 0,
      },
    );
    await advance("PT30M");
    await reconcileRemovals(workerDeps(sandbox, store), await claimedRecords(store));

    await advance("P1D");
    const third = await day();
    expect(third.outcomes.removed).toBe(second.started.length);
    const removed = third.data?.removals.find(
      (r) => r.app === "shop" && r.stage === "pr-12" && r.account === DEV,
    );
    // shop/pr-12 cost 1.2345 a day: 7 days before its removal, 8.6415.
    expect(removed && moneyToString(removed.last7Days ?? 0n)).toBe("8.6415");
    const removals = third.messages?.thread.find((m) => m.text.startsWith("Removals"));
    expect(JSON.stringify(removals?.blocks)).toMatch(
      /\*shop\/pr-12\* 111111111111 us-east-1 — 2026-11-21 09:\d\d UTC, by schedule: daily run · \$8\.64 last 7 days → about \$37\.04 per 30 days/,
    );
    // A stage without cost data says so rather than claiming a saving.
    expect(JSON.stringify(removals?.blocks)).toContain("*shop/pr-12* 222222222222 us-east-1 — ");
    expect(JSON.stringify(removals?.blocks)).toContain("cost before removal unknown");
    expect(third.digest.status).toBe("sent");

    for (let i = 0; i < 7; i++) {
      await advance("P1D");
      await runDaily(env());
    }
    const week = await day();
    expect(week.data?.weekAgo?.at.toISOString().slice(0, 10)).toBe("2026-11-22");
    expect(JSON.stringify(week.messages?.blocks)).toMatch(
      /\*Last 7 days\*\\n\$[\d,.]+ \((▲|▼) \d+% vs the run 7 days ago|no change/,
    );
    // Removed before the last digest: in the dashboard's history, no longer "since the last digest".
    expect(week.data?.removals.length).toBe(second.started.length);
    expect(week.outcomes.removed).toBe(0);

    // Every digest went out as one top-level message with its thread.
    const messages = await posted(sandbox.url);
    const tops = topLevel(messages);
    expect(tops).toHaveLength(3);
    for (const top of tops) expect(repliesTo(messages, top.ts).length).toBeGreaterThan(0);
  });

  it("covers 90 days of daily spend from a handful of snapshots, newest observation first", async () => {
    const store = ledgerStore(sandbox);
    const latestAt = new Date("2026-11-27T08:00:00Z");
    // A run every day for 120 days; each snapshot holds the month to date (at least 7 days), as readCosts does.
    for (let back = 120; back >= 0; back--) {
      const at = new Date(latestAt.getTime() - back * 86_400_000);
      await saveRun(store, snapshotAt(at, back === 0 ? "2" : "1"));
    }
    const latest = await latestRun(store);
    if (!latest) throw new Error("no snapshot");
    const before = await getObjects();
    const data = await gatherReport(store, parseWholeRun(latest));
    const reads = (await getObjects()) - before;
    const days = data.spend.dates;
    expect(days[0]).toBe("2026-08-29");
    expect(days.at(-1)).toBe("2026-11-26");
    expect(days).toHaveLength(90);
    // One snapshot per month walked back (plus the week-ago run), not one per day.
    expect(reads).toBeLessThanOrEqual(6);
    const shop = data.spend.apps.get("shop");
    // The latest snapshot's figures win for the days it covers; older ones fill the rest.
    expect(moneyToString(shop?.get("2026-11-26") ?? 0n)).toBe("2");
    expect(moneyToString(shop?.get("2026-10-15") ?? 0n)).toBe("1");
    expect(data.weekAgo?.at.toISOString()).toBe("2026-11-20T08:00:00.000Z");
    expect(data.since.toISOString()).toBe("2026-11-26T08:00:00.000Z");
  });
});

/** A snapshot as runDaily saves it: one stage whose daily series covers the month to date, at least 7 days. */
function snapshotAt(at: Date, amount: string): RunSnapshot {
  const today = at.toISOString().slice(0, 10);
  const start = addDays(today, -7) < `${today.slice(0, 8)}01` ? addDays(today, -7) : `${today.slice(0, 8)}01`;
  const daily: { date: string; amount: string; estimated: boolean }[] = [];
  for (let d = start; d < today; d = addDays(d, 1)) daily.push({ date: d, amount, estimated: false });
  const total = moneyToString(parseMoney(amount) * BigInt(daily.length));
  return {
    at: at.toISOString(),
    dryRun: true,
    liveStages: 1,
    plan: {
      stages: [
        {
          account: DEV,
          region: "us-east-1",
          app: "shop",
          stage: "production",
          kind: "permanent",
          decision: "protected",
          reason: "production is a permanent stage.",
          protected: true,
          locked: false,
          taggedResources: 3,
          cost: {
            yesterday: amount,
            last7Days: total,
            monthToDate: total,
            forecast: total,
            estimated: false,
            daily,
          },
        },
      ],
    },
    actions: {},
  };
}
