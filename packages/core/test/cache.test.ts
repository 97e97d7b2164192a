import { demoSeed, type Sandbox } from "@stagekeeper/sandbox";
import { describe, expect, it } from "vitest";
import { addDays, day } from "../src/cost/days.js";
import { readCosts } from "../src/cost/index.js";
import { costCacheKey, stateCacheKey } from "../src/ledger/cache.js";
import type { Survey } from "../src/survey/index.js";
import { addResource, lock, purge, recordUpdate, redeploy, writeCheckpointOnly } from "./state-writes.js";
import {
  DEMO_DEV,
  DEMO_LEDGER,
  demoConfig,
  demoLedger,
  sandboxControl,
  surveyAt,
  withEstate,
} from "./survey-fixtures.js";

const config = demoConfig();

describe("the survey's cache in the ledger", () => {
  it("on an unchanged estate the next day, downloads no state file and asks Cost Explorer for the non-final days only", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = demoLedger();
      const first = await surveyAt(config, sandbox, ledger);
      expect(first.failures).toEqual([]);
      // Every checkpoint read once (the malformed pr-77 too), and every final day of the window asked.
      const stages = demoSeed().stages.length;
      expect(first.stats.state).toMatchObject({
        checkpointsRead: stages + 1,
        checkpointsRemembered: 0,
        updatesRead: stages,
      });
      const today = day(sandbox.clock.now());
      expect(first.stats.cost).toMatchObject({ daysAsked: 2 * 26, daysRemembered: 0 });

      const ledgerObjects = sandbox.estate.bucket(DEMO_LEDGER)?.objects;
      const cacheBytes = [...(ledgerObjects?.values() ?? [])]
        .filter((o) => o.key.startsWith("cache/"))
        .reduce((n, o) => n + o.body.length, 0);
      await sandboxControl.advance(sandbox, "P1D");
      await sandboxControl.resetRequests(sandbox);
      const second = await surveyAt(config, sandbox, ledger);
      expect(second.failures).toEqual([]);
      expect(second.stats.state).toMatchObject({
        checkpointsRead: 0,
        checkpointsRemembered: stages + 1,
        checkpointsConfirmed: 3,
        updatesRead: 0,
        updatesRemembered: stages,
        locksRead: 2,
      });
      // Final when last asked: the days before today - 2. Asked again: the two Estimated ones and the new day.
      expect(second.stats.cost).toMatchObject({ daysAsked: 2 * 3, daysRemembered: 2 * 24, pages: 2 });
      const { counts, bytes } = await sandboxControl.requests(sandbox);
      expect(counts["cost-explorer.GetCostAndUsage"]).toBe(2);
      // The only S3 reads: the two locks, the cache objects (two cost, three state), and a conditional GET
      // (304, no body) of the checkpoints the update log cannot vouch for: the two locked stages and pr-77,
      // which has no update record.
      expect(counts["s3.GetObject"]).toBe(2 + 5 + 3);
      // `app/` is not listed: the update log says which checkpoints may have changed.
      const stateBuckets = [...sandbox.estate.buckets.keys()].filter((b) => b.startsWith("sst-state-"));
      expect(counts["s3.ListObjectsV2"]).toBe(2 * stateBuckets.length);
      expect(second.stats.state.bytesRead).toBeLessThan(1000);
      expect(bytes["s3.GetObject"]).toBe(second.stats.state.bytesRead + cacheBytes);

      // The same facts and the same exact costs as a survey without any cache.
      const fresh = await surveyAt(config, sandbox);
      const sorted = (s: typeof fresh) =>
        [...s.facts].sort((a, b) =>
          `${a.account}${a.region}${a.app}${a.stage}`.localeCompare(
            `${b.account}${b.region}${b.app}${b.stage}`,
          ),
        );
      expect(sorted(second)).toEqual(sorted(fresh));
      expect(second.costs).toEqual(fresh.costs);
      expect(second.untagged).toEqual(fresh.untagged);
      expect(second.malformed).toEqual(fresh.malformed);
      expect(addDays(today, 1)).toBe(day(sandbox.clock.now()));
    });
  });

  it("reads a redeployed stage again, and only that one", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = demoLedger();
      await surveyAt(config, sandbox, ledger);
      const before = await surveyAt(config, sandbox, ledger);
      const old = before.facts.find((f) => f.app === "shop" && f.stage === "pr-53");
      const at = new Date(sandbox.clock.now().getTime() - 60_000);
      await redeploy(sandbox, "shop", "pr-53", at);

      const after = await surveyAt(config, sandbox, ledger);
      expect([after.failures, after.malformed.filter((m) => m.location.includes("pr-53"))]).toEqual([[], []]);
      expect(after.stats.state).toMatchObject({
        checkpointsRead: 1,
        updatesRead: 1,
        checkpointsRemembered: 39,
      });
      const pr53 = after.facts.find((f) => f.app === "shop" && f.stage === "pr-53");
      expect(pr53).toMatchObject({ lastDeployedAt: at, lastCommand: "deploy" });
      expect(pr53?.resourceCount).toBe((old?.resourceCount ?? 0) + 1);
      expect(pr53?.stateEtag).not.toBe(old?.stateEtag);

      // And the next run remembers the new version.
      const again = await surveyAt(config, sandbox, ledger);
      expect(again.stats.state).toMatchObject({ checkpointsRead: 0, updatesRead: 0 });
      expect(again.facts.find((f) => f.app === "shop" && f.stage === "pr-53")).toEqual(pr53);
    });
  });

  it("asks for the whole window again when a cost allocation tag changed status", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const targets = [{ account: DEMO_DEV, regions: ["us-east-1"] }];
      const first = await readCosts(targets, sandbox.clock.now());
      const remembered = first.memory.get(DEMO_DEV);
      expect(remembered?.days.size).toBe(24);
      const again = await readCosts(targets, sandbox.clock.now(), { memory: first.memory });
      expect(again.stats).toMatchObject({ daysAsked: 2, daysRemembered: 24 });
      // Memory taken while sst:stage was inactive groups the spend differently: it is not used.
      const stale = new Map([
        [DEMO_DEV, { inactiveTags: ["sst:stage"], days: remembered?.days ?? new Map() }],
      ]);
      const regrouped = await readCosts(targets, sandbox.clock.now(), { memory: stale });
      expect(regrouped.stats).toMatchObject({ daysAsked: 26, daysRemembered: 0 });
      expect(regrouped.byStage).toEqual(first.byStage);
    });
  });

  it("replaces a cache object it cannot use, and the survey goes on", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = demoLedger();
      await ledger.put(costCacheKey(DEMO_DEV), { version: 99 }, undefined);
      await ledger.put(stateCacheKey(DEMO_DEV, "us-east-1"), "not a cache", undefined);
      const survey = await surveyAt(config, sandbox, ledger);
      expect(survey.failures).toEqual([]);
      expect(survey.stats.cost.daysRemembered).toBe(0);
      const next = await surveyAt(config, sandbox, ledger);
      expect(next.stats.state.checkpointsRead).toBe(0);
      expect(next.stats.cost.daysRemembered).toBe(2 * 24);
    });
  });
});

describe("what SST's update log says changed, between full listings of app/", () => {
  async function twoDays(sandbox: Sandbox) {
    const ledger = demoLedger();
    const first = await surveyAt(config, sandbox, ledger);
    expect(first.failures).toEqual([]);
    await sandboxControl.advance(sandbox, "P1D");
    return ledger;
  }
  const find = (survey: Survey, app: string, stage: string) =>
    survey.facts.find((f) => f.app === app && f.stage === stage);

  it("sees an update that changed no checkpoint: the new record is read, the checkpoint only confirmed", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = await twoDays(sandbox);
      const at = new Date(sandbox.clock.now().getTime() - 60_000);
      await recordUpdate(sandbox, "shop", "pr-53", at);
      const next = await surveyAt(config, sandbox, ledger);
      expect(find(next, "shop", "pr-53")).toMatchObject({ lastDeployedAt: at, lastCommand: "deploy" });
      expect(next.stats.state).toMatchObject({ checkpointsRead: 0, updatesRead: 1, checkpointsConfirmed: 4 });
    });
  });

  it("finds a new stage from its update record, and drops a purged one", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = await twoDays(sandbox);
      const fresh = await surveyAt(config, sandbox);
      expect(find(fresh, "shop", "pr-53")).toBeDefined();
      await purge(sandbox, "shop", "pr-53");
      await writeCheckpointOnly(sandbox, { app: "shop", stage: "pr-60" }, "pr-61");
      const at = new Date(sandbox.clock.now().getTime() - 60_000);
      await recordUpdate(sandbox, "shop", "pr-61", at, "first");

      const next = await surveyAt(config, sandbox, ledger);
      expect(next.failures).toEqual([]);
      expect(find(next, "shop", "pr-53")).toBeUndefined();
      expect(find(next, "shop", "pr-61")).toMatchObject({ live: true, lastDeployedAt: at });
      // The same stages as a survey that lists everything.
      const listed = await surveyAt(config, sandbox);
      const ids = (s: typeof next) =>
        s.facts.map((f) => `${f.account}/${f.region}/${f.app}/${f.stage}`).sort();
      expect(ids(next)).toEqual(ids(listed));
    });
  });

  it("lists app/ in full again after a week, and so sees what was written outside SST's updates", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = await twoDays(sandbox);
      // A checkpoint with no update record, e.g. copied in by hand: the update log cannot show it.
      await writeCheckpointOnly(sandbox, { app: "shop", stage: "pr-60" }, "pr-62");
      const next = await surveyAt(config, sandbox, ledger);
      expect(find(next, "shop", "pr-62")).toBeUndefined();
      await sandboxControl.advance(sandbox, "P7D");
      const week = await surveyAt(config, sandbox, ledger);
      expect(find(week, "shop", "pr-62")).toMatchObject({ live: true });
      expect(week.stats.state.checkpointsRead).toBe(1);
    });
  });

  it("confirms the checkpoint of a stage that holds a lock, whatever its update records say", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const ledger = await twoDays(sandbox);
      const before = find(await surveyAt(config, sandbox, ledger), "shop", "pr-53");
      // Outside SST's own order (it writes a new record first), so only the lock can tell.
      const at = new Date(sandbox.clock.now().getTime() - 1000);
      await lock(sandbox, "shop", "pr-53", at);
      await addResource(sandbox, "shop", "pr-53", at);
      const next = find(await surveyAt(config, sandbox, ledger), "shop", "pr-53");
      expect(next?.lock).toMatchObject({ createdAt: at });
      expect(next?.resourceCount).toBe((before?.resourceCount ?? 0) + 1);
    });
  });
});
