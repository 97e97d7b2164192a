import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepStage } from "../packages/core/src/ledger/keep.js";
import { passGate } from "../packages/core/src/removal/gate.js";
import { drainQueue, removalHandler } from "../packages/core/src/removal/queue.js";
import { claimedRecords, reconcileRemovals } from "../packages/core/src/removal/reconcile.js";
import { queueUrl } from "../packages/core/src/removal/request.js";
import { runDaily } from "../packages/core/src/run/daily.js";
import {
  builds,
  DEV,
  ledgerStore,
  record,
  removalConfig,
  removalSeed,
  workerDeps,
} from "../packages/core/test/removal-fixtures.js";
import { useSandboxEnv } from "../packages/core/test/sandbox-env.js";
import { type Sandbox, startSandbox } from "../packages/sandbox/src/index.js";

const SHOP_PR12 = { account: DEV, region: "us-east-1", app: "shop", stage: "pr-12" };
let sandbox: Sandbox;
let restore: () => void;

beforeEach(async () => {
  sandbox = await startSandbox({ seed: removalSeed() });
  restore = useSandboxEnv(sandbox);
});
afterEach(async () => {
  restore();
  await sandbox.close();
});

const advance = (duration: string) =>
  fetch(`${sandbox.url}/_sandbox/clock`, { method: "POST", body: JSON.stringify({ advance: duration }) });

/** The removal worker, as the queue's Lambda would run it. */
async function work() {
  const store = ledgerStore(sandbox);
  const sqs = new SQSClient({ region: "us-east-1" });
  const url = await queueUrl(sqs, "stagekeeper-removals");
  return drainQueue(sqs, url, removalHandler(workerDeps(sandbox, store)), { waitSeconds: 0 });
}

describe("removal end to end, through the daily run", () => {
  it("warns expired PR and personal stages on day 1, removes them on day 2, and they are gone from the next plan", async () => {
    const config = removalConfig({ owners: { alice: "U0ALICE" } });
    const env = () => ({ config, now: sandbox.clock.now(), homeRegion: "us-east-1" });

    const day1 = await runDaily(env());
    const warned = day1.warned.map((s) => `${s.app}/${s.stage}`).sort();
    expect(warned).toContain("shop/pr-12");
    expect(day1.started).toHaveLength(0);
    expect((await record(ledgerStore(sandbox), SHOP_PR12)).warning).toBeDefined();
    // Warned once: the same day's second run warns nobody again.
    expect((await runDaily(env())).warned).toHaveLength(0);

    await advance("P1D");
    const day2 = await runDaily(env());
    const started = day2.started.map((s) => `${s.stage.app}/${s.stage.stage}`).sort();
    expect(started).toEqual(warned);
    await work();
    expect((await builds(sandbox)).map((b) => b.environment.SST_STAGE).sort()).toHaveLength(warned.length);

    await advance("PT30M");
    const store = ledgerStore(sandbox);
    await reconcileRemovals(workerDeps(sandbox, store), await claimedRecords(store));
    expect((await record(store, SHOP_PR12)).status).toBe("removed");

    await advance("P1D");
    const day3 = await runDaily(env());
    const shop = day3.plan.stages.find((s) => s.app === "shop" && s.stage === "pr-12" && s.account === DEV);
    expect(shop?.decision).toBe("keep");
    expect(shop?.resourceCount).toBe(0);
    expect(day3.started).toHaveLength(0);
    // Production and the other account's pr-12 were never touched.
    expect(day3.plan.stages.filter((s) => s.stage === "production").every((s) => s.resourceCount > 0)).toBe(
      true,
    );
  });

  it("starts exactly one build for 100 concurrent triggers of one stage", async () => {
    const store = ledgerStore(sandbox);
    const config = removalConfig();
    const deps = {
      store,
      config,
      now: sandbox.clock.now(),
      target: (account: string) => ({ account, regions: ["us-east-1"] }),
    };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        passGate(deps, {
          key: SHOP_PR12,
          trigger: { surface: "slack", by: `U${i}` },
          intent: { kind: "manual" },
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "refused" && r.decision === "removing")).toHaveLength(99);
  });

  it("never lets a keep and a claim both win", async () => {
    const store = ledgerStore(sandbox);
    const config = removalConfig();
    const now = sandbox.clock.now();
    const deps = { store, config, now, target: (account: string) => ({ account, regions: ["us-east-1"] }) };
    const [kept, gated] = await Promise.all([
      keepStage(store, {
        key: SHOP_PR12,
        until: new Date(now.getTime() + 3 * 86_400_000),
        by: "U0ALICE",
        trigger: { surface: "slack", by: "U0ALICE" },
        now,
        maxKeepDays: 30,
      }),
      passGate(deps, { key: SHOP_PR12, trigger: { surface: "cli", by: "bob" }, intent: { kind: "manual" } }),
    ]);
    const final = await record(store, SHOP_PR12);
    expect(kept.outcome === "kept" && gated.outcome === "claimed").toBe(false);
    expect(kept.outcome === "kept" || gated.outcome === "claimed").toBe(true);
    if (gated.outcome === "claimed") expect(final.keep).toBeUndefined();
    else expect([gated.outcome === "refused" && gated.decision, final.claim]).toEqual(["kept", undefined]);
  });
});
