import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { type Sandbox, startSandbox } from "@stagekeeper/sandbox";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientConfig } from "../../sandbox/test/fixtures.js";
import { targetLookup } from "../src/aws/targets.js";
import { readStageNow } from "../src/inventory/stage.js";
import type { StageRecord } from "../src/ledger/records.js";
import { readRecords } from "../src/ledger/runs.js";
import { type GateDeps, passGate } from "../src/removal/gate.js";
import { protectionLifted, releaseProtection } from "../src/removal/protection.js";
import { reconcileRemovals } from "../src/removal/reconcile.js";
import { processRemoval } from "../src/removal/worker.js";
import { stageId } from "../src/stage/key.js";
import {
  auditEntries,
  BY_CLI,
  builds,
  DEV,
  key,
  ledgerStore,
  record,
  removalConfig,
  removalSeed,
  tagged,
  workerDeps,
} from "./removal-fixtures.js";
import { useSandboxEnv } from "./sandbox-env.js";

const SHOP_PR12 = key(DEV, "us-east-1", "shop", "pr-12");
const SCHEDULE = { surface: "schedule", by: "daily run" } as const;
const MANUAL = { key: SHOP_PR12, trigger: BY_CLI, intent: { kind: "manual" } } as const;

/** shop's sst.config.ts protects pr-12, while pr-12's state still says `_protect: false` (stale). */
const seed = () =>
  removalSeed({
    apps: [
      { name: "shop", repository: "acme/shop", protect: ["production", "pr-12"] },
      { name: "api", repository: "acme/api", protect: ["production", "staging"] },
    ],
  });

let sandbox: Sandbox;
let restore: () => void;
let gateDeps: () => GateDeps;
const store = () => ledgerStore(sandbox);

beforeEach(async () => {
  sandbox = await startSandbox({ seed: seed() });
  restore = useSandboxEnv(sandbox);
  const config = removalConfig();
  const target = await targetLookup(config, "us-east-1");
  gateDeps = () => ({ store: store(), config, now: sandbox.clock.now(), target });
});
afterEach(async () => {
  restore();
  await sandbox.close();
});

/** A person's removal, run to its end: sst remove refuses it, and the outcome is recorded. */
async function removeThroughGate(): Promise<StageRecord> {
  const gate = await passGate(gateDeps(), MANUAL);
  if (gate.outcome !== "claimed") throw new Error(`not claimed: ${JSON.stringify(gate)}`);
  await processRemoval(workerDeps(sandbox, store()), { removalId: gate.removalId, ...SHOP_PR12 });
  sandbox.clock.advance("PT1M");
  await reconcile();
  return record(store(), SHOP_PR12);
}

async function reconcile() {
  const records = [...(await readRecords(store())).values()].map((r) => r.value);
  return reconcileRemovals(workerDeps(sandbox, store()), records);
}

const facts = async () => {
  const found = await readStageNow({ account: DEV, regions: ["us-east-1"] }, SHOP_PR12);
  if (!found) throw new Error("no facts for shop/pr-12");
  return found;
};

/** The daily run's step: the ledger's records with the stage's current facts. */
async function release(dryRun = false) {
  const records = new Map<string, StageRecord>();
  for (const { value } of (await readRecords(store())).values()) records.set(stageId(value), value);
  const now = sandbox.clock.now();
  const released = await releaseProtection(store(), records, [await facts()], {
    now,
    dryRun,
    trigger: SCHEDULE,
  });
  return { released, seen: records.get(stageId(SHOP_PR12)) };
}

/**
 * An update of shop/pr-12 as SST writes it, through S3: the update record (ids sort newest first) and the
 * checkpoint with the Stack's `_protect` output as the deploy evaluated it.
 */
async function update(command: string, protect: boolean): Promise<void> {
  const at = sandbox.clock.now();
  const s3 = new S3Client(clientConfig(sandbox));
  const ssm = new SSMClient(clientConfig(sandbox));
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
  const bucket = (JSON.parse(Parameter?.Value ?? "{}") as { state: string }).state;
  const id = `${(2 ** 48 - 1 - at.getTime()).toString(36).padStart(10, "0")}${command}`;
  const times = { timeStarted: at.toISOString(), timeCompleted: at.toISOString() };
  const body = JSON.stringify({ id, version: "3.19.3", command, errors: [], ...times });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `update/shop/pr-12/${id}.json`, Body: body }));
  const Key = "app/shop/pr-12.json";
  const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
  const state = JSON.parse((await current.Body?.transformToString()) ?? "{}");
  state.checkpoint.latest.manifest.time = at.toISOString();
  for (const resource of state.checkpoint.latest.resources)
    if (resource.type === "pulumi:pulumi:Stack")
      resource.outputs = { ...resource.outputs, _protect: protect };
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(state) }));
}

/** The team takes pr-12 out of shop's `protect` in sst.config.ts and deploys: the next sst remove goes ahead. */
async function redeployWithoutProtect(): Promise<void> {
  const shop = [...sandbox.estate.apps.values()].find((a) => a.name === "shop");
  shop?.protect.delete("pr-12");
  await update("deploy", false);
}

describe("a stage that sst remove refused as protected", () => {
  it("stays protected and is never retried while no deploy without protect came after the refusal", async () => {
    const refused = await removeThroughGate();
    expect(refused.status).toBe("protected");
    expect(refused.attempts[0]?.message).toMatch(/^Cannot remove protected stage/);

    // The state's `_protect: false` is stale (the config protects it) and nothing was deployed since.
    sandbox.clock.advance("P2D");
    expect((await facts()).protect).toBe(false);
    expect((await release()).released).toEqual([]);
    expect(await passGate(gateDeps(), MANUAL)).toMatchObject({ outcome: "refused", decision: "protected" });

    // A newer update that is not a deploy proves nothing about the config.
    sandbox.clock.advance("P1D");
    await update("refresh", false);
    expect((await facts()).lastCommand).toBe("refresh");
    expect((await release()).released).toEqual([]);

    // Redeployed, but the config still protects it.
    sandbox.clock.advance("P1D");
    await update("deploy", true);
    expect((await release()).released).toEqual([]);
    expect(await passGate(gateDeps(), MANUAL)).toMatchObject({ outcome: "refused", decision: "protected" });

    expect(await reconcile()).toMatchObject({ checked: 0, recorded: [], restarted: [] });
    expect(await builds(sandbox)).toHaveLength(1);
    expect((await record(store(), SHOP_PR12)).status).toBe("protected");
    expect((await auditEntries(store())).filter((e) => e.action === "unprotected")).toEqual([]);
    expect(tagged(sandbox, DEV, "shop", "pr-12").length).toBeGreaterThan(0);
  });

  it("is released, with the reason audited, once redeployed without protect; a dry run only shows it", async () => {
    await removeThroughGate();
    sandbox.clock.advance("P1D");
    await redeployWithoutProtect();
    const refused = await record(store(), SHOP_PR12);
    expect(protectionLifted(refused, await facts())).toMatch(/without protect/);

    const dry = await release(true);
    expect(dry.released).toEqual([]);
    expect(dry.seen?.status).toBe("active");
    expect(await record(store(), SHOP_PR12)).toEqual(refused);

    const { released, seen } = await release();
    expect(released).toEqual([SHOP_PR12]);
    expect(seen?.status).toBe("active");
    expect(await record(store(), SHOP_PR12)).toEqual({ ...refused, status: "active" });
    const entries = (await auditEntries(store())).filter((e) => e.action === "unprotected");
    expect(entries).toEqual([
      expect.objectContaining({ app: "shop", stage: "pr-12", account: DEV, trigger: SCHEDULE }),
    ]);
    expect(entries[0]?.reason).toMatch(/^redeployed at .* without protect .* refused it as protected at /);
    // Released once: the next run finds nothing to release.
    expect((await release()).released).toEqual([]);

    // Its policy applies again: a person's removal now goes through and removes it.
    const removed = await removeThroughGate();
    expect(removed.status).toBe("removed");
    expect(tagged(sandbox, DEV, "shop", "pr-12")).toEqual([]);
  });

  it("lets a person remove it through the gate right after the redeploy, before any run released it", async () => {
    await removeThroughGate();
    sandbox.clock.advance("PT2H");
    await redeployWithoutProtect();
    const removed = await removeThroughGate();
    expect(removed.status).toBe("removed");
    expect(removed.attempts.map((a) => a.outcome)).toEqual(["protected", "removed"]);
    expect(await builds(sandbox)).toHaveLength(2);
  });
});
