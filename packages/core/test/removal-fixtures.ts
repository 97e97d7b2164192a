import { randomUUID } from "node:crypto";
import { CodeBuildClient } from "@aws-sdk/client-codebuild";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Sandbox, SeedInput } from "@stagekeeper/sandbox";
import { clientConfig, DEV, PROD, testSeed } from "../../sandbox/test/fixtures.js";
import { type Config, parseConfig } from "../src/config/index.js";
import { type AuditEntry, auditEntrySchema } from "../src/ledger/audit.js";
import {
  newRecord,
  recordKey,
  type StageRecord,
  stageRecordSchema,
  type Trigger,
} from "../src/ledger/records.js";
import { LedgerStore } from "../src/ledger/store.js";
import { loadBuildspec } from "../src/removal/buildspec.js";
import { queueUrl } from "../src/removal/request.js";
import type { WorkerDeps } from "../src/removal/worker.js";
import type { StageKey } from "../src/stage/key.js";

export { DEV, PROD };
export const LEDGER = "stagekeeper-ledger";
export const PROJECT = "stagekeeper-remove";
export const QUEUE = "stagekeeper-removals";
export const PROD_ROLE = `arn:aws:iam::${PROD}:role/stagekeeper`;

/**
 * The test estate plus what the removal tests need: the same stage name in two apps and two accounts, a stage
 * protected only by its app's current config, a locked stage and a plain PR stage in the production account.
 */
export function removalSeed(extra: Partial<SeedInput> = {}) {
  const base = testSeed();
  const more = [
    { app: "shop", stage: "pr-12", account: PROD, region: "us-east-1", createdAt: "2026-11-03T10:00:00Z" },
    { app: "api", stage: "staging", account: PROD, region: "us-east-1", createdAt: "2026-03-02T10:00:00Z" },
    {
      app: "shop",
      stage: "pr-7",
      account: DEV,
      region: "us-east-1",
      createdAt: "2026-11-02T10:00:00Z",
      lock: { created: "2026-11-19T08:00:00Z" },
    },
    { app: "shop", stage: "pr-5", account: PROD, region: "us-east-1", createdAt: "2026-11-04T10:00:00Z" },
  ].map((s) => ({ ...s, protect: false }));
  return testSeed({ stages: [...base.stages, ...more] as SeedInput["stages"], ...extra });
}

export function removalConfig(overrides: Record<string, unknown> = {}): Config {
  return parseConfig({
    dryRun: false,
    accounts: [
      { id: DEV, regions: ["us-east-1", "eu-west-1"] },
      { id: PROD, roleArn: PROD_ROLE, regions: ["us-east-1"] },
    ],
    apps: [
      { name: "shop", repository: "acme/shop" },
      { name: "api", repository: "acme/api", branch: "trunk" },
    ],
    ledger: { bucket: LEDGER },
    removal: { project: PROJECT },
    ...overrides,
  });
}

/** Stagekeeper's own account is the sandbox's first one (DEV): the ledger, the queue and the project live there. */
export function ledgerStore(sandbox: Sandbox): LedgerStore {
  return new LedgerStore(new S3Client(clientConfig(sandbox)), LEDGER);
}

export function codebuild(sandbox: Sandbox): CodeBuildClient {
  return new CodeBuildClient(clientConfig(sandbox));
}

const buildspec = await loadBuildspec();

/** The removal queue in Stagekeeper's own account, reached as the surfaces reach it. */
export async function removalQueue(sandbox: Sandbox): Promise<{ sqs: SQSClient; url: string }> {
  const sqs = new SQSClient(clientConfig(sandbox));
  return { sqs, url: await queueUrl(sqs, QUEUE) };
}

export function workerDeps(sandbox: Sandbox, store: LedgerStore, config = removalConfig()): WorkerDeps {
  return { store, config, now: sandbox.clock.now(), codebuild: codebuild(sandbox), buildspec };
}

export const BY_CLI: Trigger = { surface: "cli", by: "test" };

/** What the gate does when it takes the claim: a new attempt, status removing. Returns the removal id. */
export async function claim(
  store: LedgerStore,
  key: StageKey,
  now: Date,
  trigger: Trigger = BY_CLI,
): Promise<string> {
  const removalId = randomUUID();
  await store.update(recordKey(key), stageRecordSchema, (current) => {
    const record = current ?? newRecord(key, now);
    if (record.claim) throw new Error(`${key.stage} is already claimed`);
    return {
      ...record,
      claim: removalId,
      status: "removing" as const,
      attempts: [
        ...record.attempts,
        { removalId, attempt: record.attempts.length + 1, trigger, claimedAt: now.toISOString() },
      ],
    };
  });
  return removalId;
}

export async function record(store: LedgerStore, key: StageKey): Promise<StageRecord> {
  const found = await store.get(recordKey(key), stageRecordSchema);
  if (!found) throw new Error(`no record for ${key.app}/${key.stage}`);
  return found.value;
}

export async function auditEntries(store: LedgerStore): Promise<AuditEntry[]> {
  const listed = await store.list("audit/");
  const entries = await Promise.all(listed.map((l) => store.get(l.key, auditEntrySchema)));
  return entries.flatMap((e) => (e ? [e.value] : [])).sort((a, b) => a.at.localeCompare(b.at));
}

export interface InspectedBuild {
  id: string;
  arn: string;
  account: string;
  buildStatus: string;
  buildComplete: boolean;
  source: { type: string; location?: string; buildspec?: string };
  sourceVersion?: string;
  environment: Record<string, string>;
  outcome: { outcome: string; message: string } | null;
}

export async function builds(sandbox: Sandbox): Promise<InspectedBuild[]> {
  return (await (await fetch(`${sandbox.url}/_sandbox/builds`)).json()) as InspectedBuild[];
}

export async function control(sandbox: Sandbox, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sandbox.url}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
}

/** Resources still tagged with the stage in the emulated account. */
export function tagged(sandbox: Sandbox, account: string, app: string, stage: string): string[] {
  return [...sandbox.estate.accountResources(account).values()]
    .filter((r) => r.tags["sst:app"] === app && r.tags["sst:stage"] === stage)
    .map((r) => r.arn);
}

export function key(account: string, region: string, app: string, stage: string): StageKey {
  return { account, region, app, stage };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
