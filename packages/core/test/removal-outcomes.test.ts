import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { clientConfig, testSeed, withSandbox } from "../../sandbox/test/fixtures.js";
import { newRecord, recordKey, type StageRecord, stageRecordSchema } from "../src/ledger/records.js";
import { type OutcomeRecord, outcomeKey } from "../src/removal/contract.js";
import {
  applyOutcome,
  handleBuildEvent,
  type NormalisedOutcome,
  outcomeOfBuild,
  parseBuildEvent,
  RETRY_POLICY,
  recordOutcome,
} from "../src/removal/outcomes.js";
import {
  auditEntries,
  claim,
  DEV,
  key,
  LEDGER,
  ledgerStore,
  PROJECT,
  record,
  removalConfig,
} from "./removal-fixtures.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const STAGE = key(DEV, "us-east-1", "shop", "pr-12");
const DAY = 24 * 3600_000;

function claimed(removalId = "rm-current-1", previous: StageRecord["attempts"] = []): StageRecord {
  return {
    ...newRecord(STAGE, new Date("2026-11-01T00:00:00Z")),
    claim: removalId,
    status: "removing",
    attempts: [
      ...previous,
      {
        removalId,
        attempt: previous.length + 1,
        trigger: { surface: "schedule", by: "daily run" },
        claimedAt: NOW.toISOString(),
        startingAt: NOW.toISOString(),
        buildId: `${PROJECT}:b-${removalId}`,
      },
    ],
  };
}

function outcome(
  o: NormalisedOutcome["outcome"],
  removalId = "rm-current-1",
  extra: Partial<NormalisedOutcome> = {},
) {
  return { removalId, outcome: o, message: `${o} happened`, buildId: `${PROJECT}:b-${removalId}`, ...extra };
}

function outcomeRecord(
  removalId: string,
  o: OutcomeRecord["outcome"],
  extra: Partial<OutcomeRecord> = {},
): OutcomeRecord {
  return {
    removalId,
    outcome: o,
    ...STAGE,
    buildId: `${PROJECT}:b-${removalId}`,
    finishedAt: "2026-11-20T09:01:00.000Z",
    message: `${o} by the build`,
    log: "…",
    ...extra,
  };
}

describe("applyOutcome", () => {
  it.each([
    ["removed", "removed", false],
    ["not-found", "removed", false],
    ["protected", "protected", false],
    ["locked", "active", true],
    ["mismatch", "failed", false],
    ["failed", "active", true],
  ] as const)("%s → status %s, claim released, retry %s", (o, status, retried) => {
    const result = applyOutcome(claimed(), outcome(o, "rm-current-1", { logUrl: "https://logs/1" }), NOW);
    expect(result).toMatchObject({ applied: true, current: true });
    expect(result.record.status).toBe(status);
    expect(result.record.claim).toBeUndefined();
    expect(result.record.retryAt).toBe(retried ? new Date(NOW.getTime() + DAY).toISOString() : undefined);
    expect(result.record.attempts[0]).toMatchObject({
      outcome: o,
      message: `${o} happened`,
      logUrl: "https://logs/1",
      finishedAt: NOW.toISOString(),
    });
  });

  it("gives up after the configured number of failed attempts in a row, counting afresh after another outcome", () => {
    expect(RETRY_POLICY.maxFailedAttempts).toBe(3);
    const failedAttempt = (n: number, o: NormalisedOutcome["outcome"] = "failed") => ({
      removalId: `rm-${n}`,
      attempt: n,
      trigger: { surface: "schedule" as const, by: "daily run" },
      claimedAt: NOW.toISOString(),
      outcome: o,
      finishedAt: NOW.toISOString(),
    });
    const third = applyOutcome(
      claimed("rm-3", [failedAttempt(1), failedAttempt(2)]),
      outcome("failed", "rm-3"),
      NOW,
    );
    expect(third.record.status).toBe("failed");
    expect(third.record.retryAt).toBeUndefined();
    expect(third.reason).toMatch(/gave up after 3 failed attempts/);
    const afterLock = applyOutcome(
      claimed("rm-4", [failedAttempt(1), failedAttempt(2), failedAttempt(3, "locked")]),
      outcome("failed", "rm-4"),
      NOW,
    );
    expect(afterLock.record.status).toBe("active");
    expect(afterLock.reason).toMatch(/attempt 1 of 3/);
  });

  it("is idempotent: an outcome already on its attempt changes nothing", () => {
    const once = applyOutcome(claimed(), outcome("removed"), NOW);
    const twice = applyOutcome(once.record, outcome("removed"), new Date(NOW.getTime() + 1000));
    expect(twice.applied).toBe(false);
    expect(twice.record).toBe(once.record);
    // A different verdict for the same attempt arriving later (e.g. from the build status) loses too.
    expect(applyOutcome(once.record, outcome("failed"), NOW).applied).toBe(false);
  });

  it("records an outcome for an older removal on its attempt without disturbing the newer claim", () => {
    const older = claimed("rm-old");
    const current = { ...claimed("rm-new", older.attempts), claim: "rm-new" };
    const result = applyOutcome(current, outcome("failed", "rm-old"), NOW);
    expect(result).toMatchObject({ applied: true, current: false });
    expect(result.record.claim).toBe("rm-new");
    expect(result.record.status).toBe("removing");
    expect(result.record.retryAt).toBeUndefined();
    expect(result.record.attempts[0]).toMatchObject({ removalId: "rm-old", outcome: "failed" });
    expect(result.record.attempts[1]?.outcome).toBeUndefined();
    expect(applyOutcome(current, outcome("removed", "rm-unknown"), NOW).applied).toBe(false);
  });

  it("records the build id of an outcome whose attempt did not have one yet", () => {
    const record = claimed();
    const { buildId: _b, ...attempt } = record.attempts[0] ?? {
      removalId: "",
      attempt: 1,
      trigger: { surface: "cli", by: "" },
      claimedAt: "",
    };
    const result = applyOutcome({ ...record, attempts: [attempt] }, outcome("removed"), NOW);
    expect(result.record.attempts[0]?.buildId).toBe(`${PROJECT}:b-rm-current-1`);
  });
});

describe("parseBuildEvent", () => {
  const event = (detail: Record<string, unknown>) => ({
    version: "0",
    "detail-type": "CodeBuild Build State Change",
    source: "aws.codebuild",
    detail: {
      "build-status": "SUCCEEDED",
      "project-name": PROJECT,
      "build-id": `arn:aws:codebuild:us-east-1:${DEV}:build/${PROJECT}:8745a7a9-c340-456a-9166-edf953571bea`,
      "additional-information": {
        environment: {
          "environment-variables": [
            { name: "SST_STAGE", type: "PLAINTEXT", value: "pr-12" },
            { name: "STAGEKEEPER_APP", type: "PLAINTEXT", value: "shop" },
            { name: "STAGEKEEPER_ACCOUNT", type: "PLAINTEXT", value: DEV },
            { name: "STAGEKEEPER_REGION", type: "PLAINTEXT", value: "us-east-1" },
            { name: "SST_RUN_ID", type: "PLAINTEXT", value: "rm-current-1" },
          ],
        },
        logs: { "deep-link": "https://console.aws.amazon.com/cloudwatch/home#logEvent:x" },
      },
      ...detail,
    },
  });

  it("normalises the build ARN to <project>:<uuid> and reads the removal from the environment", () => {
    expect(parseBuildEvent(event({}))).toEqual({
      buildId: `${PROJECT}:8745a7a9-c340-456a-9166-edf953571bea`,
      project: PROJECT,
      status: "SUCCEEDED",
      removalId: "rm-current-1",
      stage: STAGE,
      logUrl: "https://console.aws.amazon.com/cloudwatch/home#logEvent:x",
    });
  });

  it("ignores other events, and names SST could not have written", () => {
    expect(parseBuildEvent({ ...event({}), "detail-type": "CodeBuild Build Phase Change" })).toBeUndefined();
    expect(parseBuildEvent({})).toBeUndefined();
    expect(parseBuildEvent(null)).toBeUndefined();
    const hostile = event({
      "additional-information": {
        environment: {
          "environment-variables": [
            { name: "SST_STAGE", type: "PLAINTEXT", value: "pr-12; rm -rf /" },
            { name: "STAGEKEEPER_APP", type: "PLAINTEXT", value: "shop" },
            { name: "SST_RUN_ID", type: "PLAINTEXT", value: "rm-1" },
          ],
        },
      },
    });
    expect(parseBuildEvent(hostile)?.stage).toBeUndefined();
  });
});

describe("recordOutcome and handleBuildEvent on the ledger", () => {
  it("applies an outcome once and audits it once, with the build as the trigger", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const deps = { store, config: removalConfig(), now: sandbox.clock.now() };
      const removalId = await claim(store, STAGE, deps.now);
      const first = await recordOutcome(deps, outcomeRecord(removalId, "protected"));
      expect(first).toMatchObject({
        applied: true,
        current: true,
        outcome: "protected",
        status: "protected",
      });
      const second = await recordOutcome(deps, outcomeRecord(removalId, "protected"));
      expect(second).toMatchObject({ applied: false, current: false });
      const entries = (await auditEntries(store)).filter((e) => e.action === "protected");
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        removalId,
        app: "shop",
        stage: "pr-12",
        account: DEV,
        region: "us-east-1",
        trigger: { surface: "build", by: `${PROJECT}:b-${removalId}` },
      });
      // Concurrent deliveries of the same outcome: one wins, one audit.
      const next = key(DEV, "us-east-1", "shop", "pr-7");
      const nextId = await claim(store, next, deps.now);
      const racing = await Promise.all(
        Array.from({ length: 8 }, () =>
          recordOutcome(deps, { ...outcomeRecord(nextId, "removed"), stage: "pr-7" }),
        ),
      );
      expect(racing.filter((r) => r.applied)).toHaveLength(1);
      expect((await auditEntries(store)).filter((e) => e.action === "removed")).toHaveLength(1);
    });
  });

  it("an outcome for an earlier removal leaves a newer claim alone", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const deps = { store, config: removalConfig(), now: sandbox.clock.now() };
      const oldId = await claim(store, STAGE, deps.now);
      // The old attempt's build is lost track of; an operator's retry claims it again.
      await store.update(recordKey(STAGE), stageRecordSchema, (r) => {
        if (!r) return undefined;
        const { claim: _claim, ...rest } = r;
        return { ...rest, status: "active" as const };
      });
      const newId = await claim(store, STAGE, deps.now);
      const late = await recordOutcome(deps, outcomeRecord(oldId, "failed"));
      expect(late).toMatchObject({ applied: true, current: false });
      const after = await record(store, STAGE);
      expect(after).toMatchObject({ claim: newId, status: "removing" });
      expect(after.attempts.map((a) => a.outcome)).toEqual(["failed", undefined]);
    });
  });

  it("falls back to the build's status when the outcome record is missing, unreadable or about another stage", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const s3 = new S3Client(clientConfig(sandbox));
      const build = { removalId: "rm-x-0001", buildId: `${PROJECT}:b`, buildStatus: "FAILED", stage: STAGE };
      expect(await outcomeOfBuild(store, build)).toEqual(build);
      await s3.send(
        new PutObjectCommand({ Bucket: LEDGER, Key: outcomeKey("rm-x-0001"), Body: "{not json" }),
      );
      expect(await outcomeOfBuild(store, build)).toEqual({
        ...build,
        detail: "the outcome record is unreadable",
      });
      const other = { ...outcomeRecord("rm-x-0001", "removed"), stage: "pr-99" };
      await s3.send(
        new PutObjectCommand({ Bucket: LEDGER, Key: outcomeKey("rm-x-0001"), Body: JSON.stringify(other) }),
      );
      expect(await outcomeOfBuild(store, build)).toEqual({
        ...build,
        detail: "the outcome record names another stage or removal",
      });
      const mine = outcomeRecord("rm-x-0001", "not-found");
      await s3.send(
        new PutObjectCommand({ Bucket: LEDGER, Key: outcomeKey("rm-x-0001"), Body: JSON.stringify(mine) }),
      );
      expect(await outcomeOfBuild(store, { ...build, logUrl: "https://logs" })).toEqual({
        ...mine,
        logUrl: "https://logs",
      });
    });
  });

  it("handleBuildEvent ignores other projects and builds without a removal environment", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const deps = { store, config: removalConfig(), now: sandbox.clock.now() };
      const base = {
        "detail-type": "CodeBuild Build State Change",
        source: "aws.codebuild",
        detail: {
          "build-status": "FAILED",
          "project-name": "other",
          "build-id": "arn:aws:codebuild:us-east-1:1:build/other:u-1",
        },
      };
      expect((await handleBuildEvent(deps, base)).action).toBe("ignored");
      const ours = {
        ...base,
        detail: { ...base.detail, "project-name": PROJECT, "build-id": `arn:x:build/${PROJECT}:u-1` },
      };
      expect(await handleBuildEvent(deps, ours)).toMatchObject({
        action: "ignored",
        buildId: `${PROJECT}:u-1`,
      });
      expect(await auditEntries(store)).toEqual([]);
    });
  });
});
