import { demoSeed, parseSeed, type Sandbox } from "@stagekeeper/sandbox";
import { describe, expect, it } from "vitest";
import { addDays, day, daysBetween, monthStart, nextMonthStart } from "../src/cost/days.js";
import { type Money, sumMoney } from "../src/money/index.js";
import { decide } from "../src/plan/index.js";
import { DEMO_DEV, DEMO_PROD, demoConfig, sandboxControl, surveyAt, withEstate } from "./survey-fixtures.js";

const config = demoConfig({ owners: { alice: "U0ALICE", bob: "U0BOB", dave: "U0DAVE", erin: "U0ERIN" } });

/** Spend per day of one (account, app, stage), straight from the sandbox's model; "" app for untagged. */
function modelSpend(sandbox: Sandbox, account: string, app: string, stage: string, date: string): Money {
  if (app === "") return sandbox.estate.accounts.get(account)?.untaggedDaily ?? 0n;
  const stream = [...sandbox.estate.costs.values()].find(
    (s) => s.account === account && s.app === app && s.stage === stage,
  );
  return stream ? sandbox.estate.costOn(stream, date) : 0n;
}

/** The figures computed independently: days before today (Cost Explorer has no data for today). */
function expected(sandbox: Sandbox, account: string, app: string, stage: string) {
  const today = day(sandbox.clock.now());
  const over = (from: string) => {
    const amounts: Money[] = [];
    for (let d = from; d < today; d = addDays(d, 1))
      amounts.push(modelSpend(sandbox, account, app, stage, d));
    return sumMoney(amounts);
  };
  return {
    yesterday: modelSpend(sandbox, account, app, stage, addDays(today, -1)),
    last7Days: over(addDays(today, -7)),
    monthToDate: over(monthStart(today)),
  };
}

/** Groups Cost Explorer returns over [from, today): one per (app, stage) with spend on a day, plus untagged. */
function modelGroups(sandbox: Sandbox, account: string, from: string): number {
  const today = day(sandbox.clock.now());
  let groups = 0;
  for (let d = from; d < today; d = addDays(d, 1)) {
    for (const stream of sandbox.estate.costs.values())
      if (stream.account === account && sandbox.estate.costOn(stream, d) !== 0n) groups++;
    if ((sandbox.estate.accounts.get(account)?.untaggedDaily ?? 0n) !== 0n) groups++;
  }
  return groups;
}

describe("cost from Cost Explorer, over HTTP", () => {
  it("sums every stage's spend exactly, over every page, one grouped series per account", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const PAGE = 7;
      await sandboxControl.pageSize(sandbox, PAGE);
      const survey = await surveyAt(config, sandbox);
      expect(survey.failures).toEqual([]);
      let priced = 0;
      for (const facts of survey.facts) {
        const cost = survey.costs.get(`${facts.account}/${facts.region}/${facts.app}/${facts.stage}`);
        const want = expected(sandbox, facts.account, facts.app, facts.stage);
        if (want.monthToDate === 0n && want.last7Days === 0n) continue;
        priced++;
        expect(cost, `${facts.app}/${facts.stage}`).toMatchObject(want);
      }
      expect(priced).toBeGreaterThan(30);

      // A stage that spent every day of the week: its forecast adds its 7-day run rate to the month's end.
      const today = day(sandbox.clock.now());
      const shop = survey.costs.get(`${DEMO_DEV}/us-east-1/shop/staging`);
      const left = BigInt(daysBetween(today, nextMonthStart(today)));
      const week = shop?.last7Days ?? 0n;
      expect(shop?.forecast).toBe((shop?.monthToDate ?? 0n) + (week * left * 2n + 7n) / 14n);
      expect(shop?.estimated).toBe(true);
      expect(shop?.daily.at(-1)).toMatchObject({ date: addDays(today, -1), estimated: true });
      expect(shop?.daily[0]).toMatchObject({ date: monthStart(today), estimated: false });

      for (const account of [DEMO_DEV, DEMO_PROD]) {
        const untagged = survey.untagged?.find((u) => u.account === account);
        expect(untagged).toMatchObject(expected(sandbox, account, "", ""));
      }
      // The window is the month so far and the last week; pages are what its groups need, never per stage.
      const from = [monthStart(today), addDays(today, -7)].sort()[0] ?? today;
      const pages = [DEMO_DEV, DEMO_PROD].reduce(
        (n, account) => n + Math.ceil(modelGroups(sandbox, account, from) / PAGE),
        0,
      );
      const { counts } = await sandboxControl.requests(sandbox);
      expect(counts["cost-explorer.GetCostAndUsage"]).toBe(pages);
      expect(survey.stats.cost.pages).toBe(pages);
      expect(counts["cost-explorer.ListCostAllocationTags"]).toBe(2);
      expect(counts["cost-explorer.GetCostForecast"]).toBe(2);
    });
  });

  it("warns about an inactive sst:stage tag and says how to activate it; the spend shows as untagged", async () => {
    const seed = demoSeed();
    const accounts = seed.accounts.map((a) =>
      a.id === DEMO_DEV ? { ...a, costTags: { "sst:app": "Active", "sst:stage": "Inactive" } } : a,
    );
    await withEstate(parseSeed({ ...seed, accounts }), async (sandbox) => {
      const survey = await surveyAt(config, sandbox);
      expect(survey.costTags).toEqual([
        {
          account: DEMO_DEV,
          tag: "sst:stage",
          message: expect.stringContaining("TagKey=sst:stage,Status=Active"),
        },
      ]);
      const dev = survey.facts.filter((f) => f.account === DEMO_DEV);
      expect(dev.some((f) => survey.costs.has(`${f.account}/${f.region}/${f.app}/${f.stage}`))).toBe(false);
      expect(survey.costs.has(`${DEMO_PROD}/us-east-1/shop/production`)).toBe(true);
      // Everything dev spent is untagged now, to the last 1e-10 dollar.
      const today = day(sandbox.clock.now());
      let all = 0n;
      for (let d = monthStart(today); d < today; d = addDays(d, 1)) {
        all += modelSpend(sandbox, DEMO_DEV, "", "", d);
        for (const s of sandbox.estate.costs.values())
          if (s.account === DEMO_DEV) all += sandbox.estate.costOn(s, d);
      }
      expect(survey.untagged?.find((u) => u.account === DEMO_DEV)?.monthToDate).toBe(all);
    });
  });

  it("blanks the costs when Cost Explorer fails, reports it, and does not block removals", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      await sandboxControl.fault(sandbox, { service: "cost-explorer", kind: "error" });
      const survey = await surveyAt(config, sandbox);
      expect(survey.failures.map((f) => [f.source, f.account]).sort()).toEqual([
        ["cost", DEMO_DEV],
        ["cost", DEMO_PROD],
      ]);
      const plan = decide({ ...survey, config, now: sandbox.clock.now() });
      expect(plan.stages.every((s) => s.cost === undefined)).toBe(true);
      expect(plan.failures.some((f) => f.source === "cost")).toBe(true);
      expect(
        plan.stages.filter((s) => s.decision === "remove" || s.decision === "expiring").length,
      ).toBeGreaterThan(5);
    });
  });
});
