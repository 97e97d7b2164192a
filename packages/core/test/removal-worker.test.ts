import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StartBuildCommand, StopBuildCommand } from "@aws-sdk/client-codebuild";
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { Sandbox } from "@stagekeeper/sandbox";
import { describe, expect, it } from "vitest";
import { clientConfig, withSandbox } from "../../sandbox/test/fixtures.js";
import { recordKey, stageRecordSchema } from "../src/ledger/records.js";
import { readRecords } from "../src/ledger/runs.js";
import type { LedgerStore } from "../src/ledger/store.js";
import { REMOVAL_ENV } from "../src/removal/contract.js";
import { type BuildEventResult, handleBuildEvent } from "../src/removal/outcomes.js";
import { drainQueue, handleSqsBatch, removalHandler } from "../src/removal/queue.js";
import { reconcileRemovals } from "../src/removal/reconcile.js";
import { enqueueRemoval } from "../src/removal/request.js";
import { processRemoval, startBuildInput } from "../src/removal/worker.js";
import type { StageKey } from "../src/stage/key.js";
import {
  auditEntries,
  builds,
  claim,
  codebuild,
  control,
  DEV,
  key,
  LEDGER,
  ledgerStore,
  PROD,
  PROD_ROLE,
  PROJECT,
  record,
  removalConfig,
  removalQueue,
  removalSeed,
  tagged,
  waitFor,
  workerDeps,
} from "./removal-fixtures.js";

const SHOP_PR12 = key(DEV, "us-east-1", "shop", "pr-12");

/** The daily run's part: every claim in the ledger handed to reconcile, at the sandbox's time now. */
async function reconcile(sandbox: Sandbox, store: LedgerStore, config = removalConfig()) {
  const records = [...(await readRecords(store)).values()].map((r) => r.value);
  return reconcileRemovals(workerDeps(sandbox, store, config), records);
}

/** Claims, starts the build, lets it run to its end and records its outcome as the next run would. */
async function removeOnce(sandbox: Sandbox, store: LedgerStore, stage: StageKey, config = removalConfig()) {
  const removalId = await claim(store, stage, sandbox.clock.now());
  const started = await processRemoval(workerDeps(sandbox, store, config), { removalId, ...stage });
  sandbox.clock.advance("PT1M");
  const report = await reconcile(sandbox, store, config);
  return { removalId, started, report };
}

async function stateBucket(sandbox: Sandbox, account: string, region: string): Promise<string> {
  const ssm = new SSMClient(clientConfig(sandbox, region, `sandbox-${account}`));
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
  return (JSON.parse(Parameter?.Value ?? "{}") as { state: string }).state;
}

describe("removal worker", () => {
  it("starts exactly one build with our buildspec, the app's source and the contract's environment, then records removed", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const deps = workerDeps(sandbox, store);
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      const result = await processRemoval(deps, { removalId, ...SHOP_PR12 });
      expect(result).toMatchObject({ action: "started", removalId, stage: SHOP_PR12 });

      const [build, ...others] = await builds(sandbox);
      expect(others).toEqual([]);
      expect(build?.id).toBe(result.buildId);
      expect(build?.source).toEqual({
        type: "GITHUB",
        location: "https://github.com/acme/shop.git",
        buildspec: deps.buildspec,
      });
      expect(build?.source.buildspec).toContain('npx --no-install sst remove --stage "$SST_STAGE"');
      expect(build?.sourceVersion).toBe("main");
      expect(build?.environment).toEqual({
        [REMOVAL_ENV.stage]: "pr-12",
        [REMOVAL_ENV.app]: "shop",
        [REMOVAL_ENV.account]: DEV,
        [REMOVAL_ENV.region]: "us-east-1",
        [REMOVAL_ENV.runId]: removalId,
        [REMOVAL_ENV.ledgerBucket]: LEDGER,
        [REMOVAL_ENV.noProfile]: "1",
        [REMOVAL_ENV.telemetryDisabled]: "1",
        [REMOVAL_ENV.printLogs]: "1",
      });

      const started = await record(store, SHOP_PR12);
      expect(started).toMatchObject({ claim: removalId, status: "removing" });
      expect(started.attempts[0]).toMatchObject({ removalId, buildId: build?.id });
      expect(started.attempts[0]?.startingAt).toBeDefined();

      // Delivered again: the build is recorded, nothing starts twice.
      expect(await processRemoval(deps, { removalId, ...SHOP_PR12 })).toMatchObject({ action: "skipped" });
      expect(await builds(sandbox)).toHaveLength(1);

      sandbox.clock.advance("PT1M");
      const report = await reconcile(sandbox, store);
      expect(report.checked).toBe(1);
      expect(report.recorded).toEqual([
        expect.objectContaining({ applied: true, current: true, outcome: "removed", status: "removed" }),
      ]);
      const done = await record(store, SHOP_PR12);
      expect(done.claim).toBeUndefined();
      expect(done.status).toBe("removed");
      expect(done.attempts[0]).toMatchObject({ outcome: "removed", message: "Removed shop/pr-12" });
      expect(done.attempts[0]?.logUrl).toContain("#logEvent:group=");
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toEqual([]);

      // Nothing left to reconcile; nothing audited twice.
      const again = await reconcile(sandbox, store);
      expect(again).toMatchObject({ checked: 0, recorded: [], restarted: [] });
      const actions = (await auditEntries(store))
        .filter((e) => e.removalId === removalId)
        .map((e) => e.action);
      expect(actions).toEqual(["removal-started", "removed"]);
    });
  });

  it("touches only the requested app and account when a stage name repeats across apps and accounts", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const before = {
        devShop: tagged(sandbox, DEV, "shop", "pr-12"),
        devApi: tagged(sandbox, DEV, "api", "pr-12"),
        prodShop: tagged(sandbox, PROD, "shop", "pr-12"),
      };
      expect(Object.values(before).every((arns) => arns.length > 0)).toBe(true);

      const prodShop = key(PROD, "us-east-1", "shop", "pr-12");
      const prod = await removeOnce(sandbox, store, prodShop);
      const prodBuild = (await builds(sandbox)).find((b) => b.id === prod.started.buildId);
      expect(prodBuild?.environment).toMatchObject({
        [REMOVAL_ENV.account]: PROD,
        [REMOVAL_ENV.roleArn]: PROD_ROLE,
        [REMOVAL_ENV.app]: "shop",
      });
      expect(prodBuild?.outcome?.outcome).toBe("removed");
      expect(tagged(sandbox, PROD, "shop", "pr-12")).toEqual([]);
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toEqual(before.devShop);
      expect(tagged(sandbox, DEV, "api", "pr-12")).toEqual(before.devApi);

      const devApi = key(DEV, "eu-west-1", "api", "pr-12");
      const api = await removeOnce(sandbox, store, devApi);
      const apiBuild = (await builds(sandbox)).find((b) => b.id === api.started.buildId);
      expect(apiBuild?.source.location).toBe("https://github.com/acme/api.git");
      expect(apiBuild?.sourceVersion).toBe("trunk");
      expect(apiBuild?.environment).toMatchObject({
        [REMOVAL_ENV.app]: "api",
        [REMOVAL_ENV.region]: "eu-west-1",
      });
      expect(apiBuild?.environment[REMOVAL_ENV.roleArn]).toBeUndefined();
      expect(tagged(sandbox, DEV, "api", "pr-12")).toEqual([]);
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toEqual(before.devShop);

      expect((await record(store, prodShop)).status).toBe("removed");
      expect((await record(store, devApi)).status).toBe("removed");
      expect((await readRecords(store)).size).toBe(2);
    });
  });

  it("records a stage protected by its app's current config as protected, and never retries it", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const staging = key(PROD, "us-east-1", "api", "staging");
      const { removalId, report } = await removeOnce(sandbox, store, staging);
      expect(report.recorded[0]).toMatchObject({ outcome: "protected", status: "protected" });
      const after = await record(store, staging);
      expect(after).toMatchObject({ status: "protected" });
      expect(after.claim).toBeUndefined();
      expect(after.retryAt).toBeUndefined();
      expect(after.attempts[0]?.message).toMatch(/^Cannot remove protected stage/);
      expect(tagged(sandbox, PROD, "api", "staging").length).toBeGreaterThan(0);

      // Days later: the old request comes again, the next runs reconcile: nothing starts.
      sandbox.clock.advance("P3D");
      expect((await processRemoval(workerDeps(sandbox, store), { removalId, ...staging })).action).toBe(
        "skipped",
      );
      expect(await reconcile(sandbox, store)).toMatchObject({ checked: 0, recorded: [], restarted: [] });
      expect(await builds(sandbox)).toHaveLength(1);
      expect((await record(store, staging)).status).toBe("protected");
    });
  });

  it("records a locked stage as locked, retries it a day later, and removes it once the lock is gone", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const locked = key(DEV, "us-east-1", "shop", "pr-7");
      const first = await removeOnce(sandbox, store, locked);
      expect(first.report.recorded[0]).toMatchObject({ outcome: "locked", status: "active" });
      const waiting = await record(store, locked);
      expect(waiting.claim).toBeUndefined();
      const retryAt = new Date(waiting.retryAt ?? "").getTime();
      expect(retryAt - sandbox.clock.now().getTime()).toBeGreaterThan(23.9 * 3600_000);
      expect(retryAt - sandbox.clock.now().getTime()).toBeLessThanOrEqual(24 * 3600_000);
      expect(waiting.attempts[0]?.message).toMatch(/Run `sst unlock`/);
      expect(tagged(sandbox, DEV, "shop", "pr-7").length).toBeGreaterThan(0);

      // The deploy holding the lock finishes; a day later the gate claims the stage again.
      const bucket = await stateBucket(sandbox, DEV, "us-east-1");
      await new S3Client(clientConfig(sandbox, "us-east-1", `sandbox-${DEV}`)).send(
        new DeleteObjectCommand({ Bucket: bucket, Key: "lock/shop/pr-7.json" }),
      );
      sandbox.clock.advance("P1D");
      const second = await removeOnce(sandbox, store, locked);
      expect(second.report.recorded[0]).toMatchObject({ outcome: "removed", status: "removed" });
      const done = await record(store, locked);
      expect(done.attempts.map((a) => a.outcome)).toEqual(["locked", "removed"]);
      expect(done.retryAt).toBeUndefined();
      expect(tagged(sandbox, DEV, "shop", "pr-7")).toEqual([]);
    });
  });

  it("fails at once on a mismatch (a role the build cannot assume), without retry", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const config = removalConfig({
        accounts: [
          { id: DEV, regions: ["us-east-1", "eu-west-1"] },
          { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/not-ours`, regions: ["us-east-1"] },
        ],
      });
      const stage = key(PROD, "us-east-1", "shop", "pr-5");
      const { removalId, report } = await removeOnce(sandbox, store, stage, config);
      expect(report.recorded[0]).toMatchObject({ outcome: "mismatch", status: "failed" });
      const after = await record(store, stage);
      expect(after.claim).toBeUndefined();
      expect(after.retryAt).toBeUndefined();
      expect(after.attempts[0]?.message).toMatch(/could not assume .*not-ours/);
      expect(tagged(sandbox, PROD, "shop", "pr-5").length).toBeGreaterThan(0);
      const audit = (await auditEntries(store)).find((e) => e.action === "mismatch");
      expect(audit).toMatchObject({ removalId, app: "shop", stage: "pr-5", account: PROD });
      expect(audit?.reason).toContain("not retried");
      expect(audit?.reason).toContain("Log: https://console.aws.amazon.com/cloudwatch/");
    });
  });

  it("retries a generic failure a day apart up to three attempts, then fails with the build's log link", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      await control(sandbox, "codebuild/fail-next", { count: 3, message: "npm ci failed" });
      for (const attempt of [1, 2, 3]) {
        const { report } = await removeOnce(sandbox, store, SHOP_PR12);
        const after = await record(store, SHOP_PR12);
        expect(report.recorded[0]?.outcome).toBe("failed");
        expect(after.claim).toBeUndefined();
        expect(after.attempts[attempt - 1]).toMatchObject({ outcome: "failed", message: "npm ci failed" });
        if (attempt < 3) {
          expect(after.status).toBe("active");
          expect(new Date(after.retryAt ?? 0).getTime()).toBeGreaterThan(
            sandbox.clock.now().getTime() + 23 * 3600_000,
          );
          sandbox.clock.advance("P1D");
        } else {
          expect(after.status).toBe("failed");
          expect(after.retryAt).toBeUndefined();
          expect(after.attempts[2]?.logUrl).toContain("#logEvent:group=");
        }
      }
      const failed = (await auditEntries(store)).filter((e) => e.action === "failed");
      expect(failed).toHaveLength(3);
      expect(failed[0]?.reason).toMatch(/attempt 1 of 3, retried after/);
      expect(failed[2]?.reason).toMatch(/gave up after 3 failed attempts\. Log: https:/);
      expect(tagged(sandbox, DEV, "shop", "pr-12").length).toBeGreaterThan(0);
      expect(await builds(sandbox)).toHaveLength(3);
    });
  });

  it("starts one build for duplicate requests: queue redeliveries, a batch with duplicates, concurrent workers", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const { sqs, url } = await removalQueue(sandbox);
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      const request = { removalId, ...SHOP_PR12 };
      for (let i = 0; i < 3; i++) await enqueueRemoval(sqs, url, request);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "not json" }));

      const results: unknown[] = [];
      const handler = removalHandler(() => workerDeps(sandbox, store));
      const drained = await drainQueue(sqs, url, async (body) => results.push(await handler(body)), {
        waitSeconds: 0,
      });
      expect(drained).toMatchObject({ received: 4, handled: 4, failed: [] });
      expect(results.map((r) => (r as { action: string }).action).sort()).toEqual([
        "refused",
        "skipped",
        "skipped",
        "started",
      ]);
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      expect(Attributes).toMatchObject({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
      });

      // The Lambda's batch handler, with the same request twice in one batch, and concurrent workers.
      const batch = await handleSqsBatch(
        [
          { messageId: "m1", body: JSON.stringify(request) },
          { messageId: "m2", body: JSON.stringify(request) },
        ],
        handler,
      );
      expect(batch).toEqual({ batchItemFailures: [] });
      const concurrent = await Promise.all(
        Array.from({ length: 10 }, () => processRemoval(workerDeps(sandbox, store), request)),
      );
      expect(concurrent.every((r) => r.action === "skipped")).toBe(true);
      expect(await builds(sandbox)).toHaveLength(1);

      // A second stage, ten workers at once on a fresh claim: still one build.
      const other = key(DEV, "eu-west-1", "api", "pr-12");
      const otherId = await claim(store, other, sandbox.clock.now());
      const racing = await Promise.all(
        Array.from({ length: 10 }, () =>
          processRemoval(workerDeps(sandbox, store), { removalId: otherId, ...other }),
        ),
      );
      expect(racing.filter((r) => r.action === "started").length).toBeGreaterThanOrEqual(1);
      expect(new Set(racing.flatMap((r) => (r.buildId ? [r.buildId] : []))).size).toBe(1);
      expect(await builds(sandbox)).toHaveLength(2);
      const started = (await auditEntries(store)).filter(
        (e) => e.action === "removal-started" && e.removalId === otherId,
      );
      expect(started).toHaveLength(1);
    });
  });

  it("a failing handler leaves the message on the queue; a batch reports it as an item failure", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const { sqs, url } = await removalQueue(sandbox);
      const request = { removalId: "0b7c2f1e-5d4a-4c1b-9a7e-3f2d1c0b9a8e", ...SHOP_PR12 };
      await enqueueRemoval(sqs, url, request);
      const drained = await drainQueue(
        sqs,
        url,
        async () => {
          throw new Error("ledger unavailable");
        },
        { waitSeconds: 0 },
      );
      expect(drained).toMatchObject({ received: 1, handled: 0, failed: [{ error: "ledger unavailable" }] });
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("1");
      const batch = await handleSqsBatch(
        [
          { messageId: "ok", body: "fine" },
          { messageId: "bad", body: "broken" },
        ],
        async (body) => {
          if (body === "broken") throw new Error("boom");
        },
      );
      expect(batch).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    });
  });

  it("refuses requests with invalid names or an unconfigured app without reaching CodeBuild", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const deps = workerDeps(sandbox, store);
      const bad = await processRemoval(deps, {
        removalId: "0b7c2f1e-5d4a",
        ...SHOP_PR12,
        stage: "pr-12; rm -rf /",
      });
      expect(bad.action).toBe("refused");
      expect(bad.reason).not.toContain("rm -rf");
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      const unconfigured = removalConfig({ apps: [{ name: "api", repository: "acme/api" }] });
      const refused = await processRemoval(workerDeps(sandbox, store, unconfigured), {
        removalId,
        ...SHOP_PR12,
      });
      expect(refused).toMatchObject({
        action: "refused",
        reason: expect.stringContaining("app shop is not configured"),
      });
      const kept = await record(store, SHOP_PR12);
      expect(kept.claim).toBe(removalId);
      expect(kept.attempts[0]?.message).toContain("not configured");
      expect(await builds(sandbox)).toEqual([]);
      const refusals = (await auditEntries(store)).filter((e) => e.action === "refused");
      expect(refusals).toHaveLength(2);
      expect(JSON.stringify(refusals)).not.toContain("rm -rf");
    });
  });

  it("loses nothing on AccountLimitExceeded: the claim stays and the next reconcile starts the build", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      await control(sandbox, "codebuild/account-limit", { count: 1 });
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      const deferred = await processRemoval(workerDeps(sandbox, store), { removalId, ...SHOP_PR12 });
      expect(deferred).toMatchObject({ action: "deferred", removalId });
      expect(deferred.reason).toMatch(
        /AccountLimitExceededException: Cannot have more than 25 builds in queue/,
      );
      expect(deferred.reason).toMatch(/next run/);
      const held = await record(store, SHOP_PR12);
      expect(held.claim).toBe(removalId);
      expect(held.attempts[0]?.startingAt).toBeUndefined();
      expect(held.attempts[0]?.buildId).toBeUndefined();
      expect(held.attempts[0]?.message).toMatch(/AccountLimitExceededException/);
      expect(await builds(sandbox)).toEqual([]);
      expect((await auditEntries(store)).map((e) => e.action)).toContain("removal-deferred");

      // Too soon: the worker may still be on it.
      expect(await reconcile(sandbox, store)).toMatchObject({
        restarted: [],
        waiting: [expect.objectContaining({ removalId })],
      });
      sandbox.clock.advance("PT11M");
      const next = await reconcile(sandbox, store);
      expect(next.restarted).toEqual([expect.objectContaining({ action: "started", removalId })]);
      expect(await builds(sandbox)).toHaveLength(1);
      expect((await record(store, SHOP_PR12)).attempts[0]?.message).toBeUndefined();
      sandbox.clock.advance("PT1M");
      const last = await reconcile(sandbox, store);
      expect(last.recorded).toEqual([expect.objectContaining({ outcome: "removed" })]);
      expect(await builds(sandbox)).toHaveLength(1);
    });
  });

  it("after a crash between startingAt and recording the build, reconcile finds the build instead of starting another", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const config = removalConfig();
      const deps = workerDeps(sandbox, store, config);
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      // What the worker did before it died: marked the attempt, called StartBuild, never recorded the answer.
      await store.update(recordKey(SHOP_PR12), stageRecordSchema, (r) =>
        r
          ? {
              ...r,
              attempts: r.attempts.map((a) => ({ ...a, startingAt: sandbox.clock.now().toISOString() })),
            }
          : undefined,
      );
      const input = startBuildInput(config, { removalId, ...SHOP_PR12 }, deps.buildspec, LEDGER);
      const { build } = await codebuild(sandbox).send(new StartBuildCommand(input));
      // Other builds of the project come after it, so the look-up has to search.
      for (const stage of ["pr-7"]) {
        const otherId = await claim(store, key(DEV, "us-east-1", "shop", stage), sandbox.clock.now());
        await processRemoval(workerDeps(sandbox, store, config), {
          removalId: otherId,
          ...key(DEV, "us-east-1", "shop", stage),
        });
      }
      // Past the idempotency token's 5 minutes: a second StartBuild would make a second build.
      sandbox.clock.advance("PT11M");
      const report = await reconcile(sandbox, store, config);
      expect(report.restarted).toEqual([
        expect.objectContaining({ action: "found", removalId, buildId: build?.id }),
      ]);
      expect(
        (await builds(sandbox)).filter((b) => b.environment[REMOVAL_ENV.runId] === removalId),
      ).toHaveLength(1);
      expect((await record(store, SHOP_PR12)).attempts[0]?.buildId).toBe(build?.id);

      const next = await reconcile(sandbox, store, config);
      expect(next.recorded.find((r) => r.removalId === removalId)).toMatchObject({ outcome: "removed" });
      expect((await record(store, SHOP_PR12)).status).toBe("removed");
      expect(await builds(sandbox)).toHaveLength(2);
    });
  });

  it("after a crash between the claim and startingAt, reconcile starts the build once", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      sandbox.clock.advance("PT11M");
      const [first, second] = await Promise.all([reconcile(sandbox, store), reconcile(sandbox, store)]);
      const actions = [...(first?.restarted ?? []), ...(second?.restarted ?? [])].map((r) => r.action).sort();
      expect(actions).toEqual(["skipped", "started"]);
      expect(await builds(sandbox)).toHaveLength(1);
      expect((await record(store, SHOP_PR12)).attempts[0]?.removalId).toBe(removalId);
    });
  });
  it("requeues claims without a build when reconcile runs without StartBuild (the daily Lambda)", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const store = ledgerStore(sandbox);
      const { sqs, url } = await removalQueue(sandbox);
      const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
      sandbox.clock.advance("PT11M");
      const records = [...(await readRecords(store)).values()].map((r) => r.value);
      const report = await reconcileRemovals(workerDeps(sandbox, store), records, {
        requeue: (request) => enqueueRemoval(sqs, url, request),
      });
      expect(report).toMatchObject({ restarted: [], requeued: [{ removalId, stage: SHOP_PR12 }] });
      expect(await builds(sandbox)).toEqual([]);
      const results: unknown[] = [];
      const handle = removalHandler(workerDeps(sandbox, store));
      await drainQueue(sqs, url, async (body) => results.push(await handle(body)), { waitSeconds: 0 });
      expect(results).toEqual([expect.objectContaining({ action: "started", removalId })]);
      expect(await builds(sandbox)).toHaveLength(1);
    });
  });
});

describe("build state-change events", () => {
  it("records outcomes from EventBridge deliveries; duplicates and late IN_PROGRESS events change nothing", async () => {
    const seed = removalSeed({
      codebuild: {
        projects: [{ name: PROJECT, account: DEV, region: "us-east-1" }],
        concurrency: 5,
        buildSeconds: 30,
      },
    });
    await withSandbox(seed, async (sandbox) => {
      const store = ledgerStore(sandbox);
      const config = removalConfig();
      const seen = new Set<string>();
      const received: { event: unknown; result: BuildEventResult }[] = [];
      const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const event = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
          handleBuildEvent({ store, config, now: sandbox.clock.now(), seen }, event).then(
            (result) => {
              received.push({ event, result });
              res.writeHead(200).end();
            },
            () => res.writeHead(500).end(),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
      try {
        await control(sandbox, "events/target", { url });
        const removalId = await claim(store, SHOP_PR12, sandbox.clock.now());
        const started = await processRemoval(workerDeps(sandbox, store, config), { removalId, ...SHOP_PR12 });
        // A second removal, stopped by an operator before its BUILD phase: no outcome record.
        const staging = key(PROD, "us-east-1", "api", "staging");
        const stoppedId = await claim(store, staging, sandbox.clock.now());
        const stopped = await processRemoval(workerDeps(sandbox, store, config), {
          removalId: stoppedId,
          ...staging,
        });
        await codebuild(sandbox).send(new StopBuildCommand({ id: stopped.buildId }));
        sandbox.clock.advance("PT10M");
        await builds(sandbox);
        await waitFor(() => received.filter((r) => r.result.action === "recorded").length >= 2);

        const done = await record(store, SHOP_PR12);
        expect(done).toMatchObject({ status: "removed" });
        expect(done.attempts[0]).toMatchObject({ outcome: "removed", buildId: started.buildId });
        expect(done.attempts[0]?.logUrl).toContain("#logEvent:group=");
        const killed = await record(store, staging);
        expect(killed).toMatchObject({ status: "active" });
        expect(killed.attempts[0]).toMatchObject({
          outcome: "failed",
          message: "build ended STOPPED without an outcome record",
        });
        expect(received.filter((r) => r.result.action === "in-progress")).toHaveLength(2);

        // EventBridge delivers again, and an IN_PROGRESS event arrives after the final one.
        const final = received.find(
          (r) => r.result.action === "recorded" && r.result.buildId === started.buildId,
        );
        const first = received.find(
          (r) => r.result.action === "in-progress" && r.result.buildId === started.buildId,
        );
        const post = async (event: unknown) => {
          const res = await fetch(url, { method: "POST", body: JSON.stringify(event) });
          expect(res.status).toBe(200);
          return received.at(-1)?.result;
        };
        expect(await post(final?.event)).toMatchObject({ action: "duplicate", status: "SUCCEEDED" });
        expect(await post(first?.event)).toMatchObject({ action: "in-progress" });
        // A fresh container (no memory of what it saw) relies on the ledger: still nothing changes.
        seen.clear();
        expect(await post(final?.event)).toMatchObject({ action: "duplicate", outcome: { applied: false } });
        expect(await record(store, SHOP_PR12)).toEqual(done);
        const removed = (await auditEntries(store)).filter((e) => e.action === "removed");
        expect(removed).toHaveLength(1);
        expect(removed[0]?.trigger).toMatchObject({ surface: "build", by: started.buildId });
        // Reconcile has nothing left to do.
        expect(await reconcile(sandbox, store, config)).toMatchObject({ checked: 0, recorded: [] });
      } finally {
        await control(sandbox, "events/target", { url: null });
        server.close();
      }
    });
  });
});
