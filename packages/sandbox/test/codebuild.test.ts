import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import {
  BatchGetBuildsCommand,
  type Build,
  CodeBuildClient,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  type StartBuildCommandInput,
  StopBuildCommand,
} from "@aws-sdk/client-codebuild";
import { describe, expect, it } from "vitest";
import { stateBucketName } from "../src/estate/render.js";
import type { Sandbox, SeedInput } from "../src/index.js";
import { REMOVAL_ENV } from "../src/services/codebuild/contract.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

const PROJECT = "stagekeeper-remove";

/** The parts of an EventBridge "CodeBuild Build State Change" event the tests read. */
interface StateEvent {
  time: string;
  detail: {
    "build-status": string;
    "build-id": string;
    "project-name": string;
    "current-phase": string;
    "current-phase-context": unknown;
    version: string;
    "additional-information": {
      "build-start-time": string;
      "build-complete": boolean;
      environment: { "environment-variables": { name: string; type: string; value: string }[] };
      logs: { "deep-link"?: string };
      phases: Record<string, unknown>[];
    };
  };
}

/** The environment Stagekeeper's removal worker passes, for one stage. */
function removal(target: {
  app: string;
  stage: string;
  account: string;
  region?: string;
  role?: string;
  runId?: string;
  repository?: string;
}): StartBuildCommandInput {
  const variables: Record<string, string | undefined> = {
    [REMOVAL_ENV.stage]: target.stage,
    [REMOVAL_ENV.app]: target.app,
    [REMOVAL_ENV.account]: target.account,
    [REMOVAL_ENV.region]: target.region ?? "us-east-1",
    [REMOVAL_ENV.roleArn]: target.role,
    [REMOVAL_ENV.runId]: target.runId ?? `rm-${target.app}-${target.stage}`,
    [REMOVAL_ENV.ledgerBucket]: "stagekeeper-ledger",
    [REMOVAL_ENV.noProfile]: "1",
  };
  return {
    projectName: PROJECT,
    sourceVersion: "main",
    sourceTypeOverride: "GITHUB",
    sourceLocationOverride: `https://github.com/${target.repository ?? `acme/${target.app}`}.git`,
    buildspecOverride: "version: 0.2\nphases:\n  build:\n    commands:\n      - ./remove.sh\n",
    environmentVariablesOverride: Object.entries(variables)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => ({ name, value, type: "PLAINTEXT" })),
  };
}

/** A seed with a retained resource, a locked stage, a removed stage and a stage protected only by config. */
function removalSeed(extra: Partial<SeedInput> = {}) {
  const base = testSeed();
  const stages = base.stages.map((s) =>
    s.app === "shop" && s.stage === "pr-12"
      ? {
          ...s,
          resources: [
            { type: "aws:lambda/function:Function", name: "Web", retain: false },
            { type: "aws:dynamodb/table:Table", name: "Orders", retain: true },
            { type: "aws:s3/bucketV2:BucketV2", name: "Assets", retain: false },
            { type: "aws:iam/role:Role", name: "WebRole", retain: false },
          ],
        }
      : s,
  );
  const more = [
    { app: "shop", stage: "pr-7", account: DEV, region: "us-east-1", createdAt: "2026-11-02T10:00:00Z" },
    { app: "shop", stage: "pr-3", account: DEV, region: "us-east-1", createdAt: "2026-10-02T10:00:00Z" },
    { app: "api", stage: "staging", account: PROD, region: "us-east-1", createdAt: "2026-03-02T10:00:00Z" },
  ].map((s) => ({ ...s, protect: false as const }));
  return testSeed({
    stages: [
      ...stages,
      { ...more[0], lock: { created: "2026-11-19T08:00:00Z" } },
      { ...more[1], live: false },
      more[2],
    ] as SeedInput["stages"],
    ...extra,
  });
}

function client(sandbox: Sandbox, accessKeyId = `sandbox-${DEV}`) {
  return new CodeBuildClient(clientConfig(sandbox, "us-east-1", accessKeyId));
}

async function get(sandbox: Sandbox, id: string): Promise<Build> {
  const { builds } = await client(sandbox).send(new BatchGetBuildsCommand({ ids: [id] }));
  const build = builds?.[0];
  if (!build) throw new Error(`no build ${id}`);
  return build;
}

/** Runs a build to its end by moving the sandbox clock past it. */
async function finish(sandbox: Sandbox, id: string): Promise<Build> {
  sandbox.clock.advance("PT1M");
  return get(sandbox, id);
}

async function start(sandbox: Sandbox, input: StartBuildCommandInput): Promise<Build> {
  const { build } = await client(sandbox).send(new StartBuildCommand(input));
  if (!build?.id) throw new Error("StartBuild returned no build");
  return build;
}

async function inspect(sandbox: Sandbox) {
  const res = await fetch(`${sandbox.url}/_sandbox/builds`);
  return (await res.json()) as { id: string; outcome: Record<string, string> | null }[];
}

function stateObject(sandbox: Sandbox, account: string, region: string, key: string) {
  return sandbox.estate.bucket(stateBucketName(account, region))?.objects.get(key);
}

function tagged(sandbox: Sandbox, account: string, app: string, stage: string): string[] {
  return [...sandbox.estate.accountResources(account).values()]
    .filter((r) => r.tags["sst:app"] === app && r.tags["sst:stage"] === stage)
    .map((r) => r.arn);
}

async function rejection(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { attempts?: number; httpStatusCode?: number } }) | undefined;
  if (!error) throw new Error("expected the call to fail");
  return error;
}

describe("CodeBuild builds", () => {
  it("moves a build through its phases on the sandbox clock, with epoch timestamps", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const started = await start(sandbox, removal({ app: "shop", stage: "pr-12", account: DEV }));
      expect(started.id).toMatch(new RegExp(`^${PROJECT}:[0-9a-f-]{36}$`));
      expect(started.arn).toBe(`arn:aws:codebuild:us-east-1:${DEV}:build/${started.id}`);
      expect(started.buildNumber).toBe(1);
      expect(started.startTime).toBeInstanceOf(Date);
      expect(started.startTime?.toISOString().slice(0, 10)).toBe("2026-11-20");
      expect(started.buildStatus).toBe("IN_PROGRESS");
      expect(started.buildComplete).toBe(false);
      expect(started.currentPhase).toBe("SUBMITTED");
      expect(started.logs?.deepLink).toBeUndefined();
      expect(started.initiator).toBe("sandbox");
      expect(started.environment?.environmentVariables).toContainEqual({
        name: "SST_STAGE",
        value: "pr-12",
        type: "PLAINTEXT",
      });
      expect(started.source?.location).toBe("https://github.com/acme/shop.git");

      sandbox.clock.advance("PT1.5S");
      const midway = await get(sandbox, started.id as string);
      expect(midway.buildStatus).toBe("IN_PROGRESS");
      expect(["PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD"]).toContain(
        midway.currentPhase,
      );
      expect(midway.phases?.[0]).toMatchObject({ phaseType: "SUBMITTED", phaseStatus: "SUCCEEDED" });
      expect(midway.phases?.[0]?.endTime).toBeInstanceOf(Date);
      expect(midway.phases?.at(-1)?.phaseStatus).toBeUndefined();

      const done = await finish(sandbox, started.id as string);
      expect(done.buildStatus).toBe("SUCCEEDED");
      expect(done.buildComplete).toBe(true);
      expect(done.currentPhase).toBe("COMPLETED");
      expect(done.endTime).toBeInstanceOf(Date);
      // CodeBuild's phase order as WIRE.md §3.2 states it, written out rather than imported from builds.ts's
      // PHASES: this holds the emulator to the wire, and an import would only compare the list with itself.
      expect(done.phases?.map((p) => p.phaseType)).toEqual([
        "SUBMITTED",
        "QUEUED",
        "PROVISIONING",
        "DOWNLOAD_SOURCE",
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
        "FINALIZING",
        "COMPLETED",
      ]);
      expect(Object.keys(done.phases?.at(-1) ?? {}).sort()).toEqual(["phaseType", "startTime"]);
      for (const phase of done.phases?.slice(0, -1) ?? []) {
        expect(phase.phaseStatus).toBe("SUCCEEDED");
        expect(typeof phase.durationInSeconds).toBe("number");
        expect(phase.endTime?.getTime()).toBeGreaterThanOrEqual(phase.startTime?.getTime() ?? 0);
      }
      expect(done.logs?.deepLink).toContain("#logEvent:group=%2Faws%2Fcodebuild%2Fstagekeeper-remove");
      expect(done.logs?.groupName).toBe(`/aws/codebuild/${PROJECT}`);
      expect(done.resolvedSourceVersion).toMatch(/^[0-9a-f]{40}$/);
    });
  });

  it("numbers builds per project and lists them newest first, page by page", async () => {
    const seed = testSeed({
      codebuild: {
        projects: [
          { name: PROJECT, account: DEV, region: "us-east-1" },
          { name: "other", account: DEV, region: "us-east-1" },
        ],
        concurrency: 50,
        buildSeconds: 3,
      },
    });
    await withSandbox(seed, async (sandbox) => {
      const ids: string[] = [];
      for (let i = 0; i < 105; i++) ids.push((await start(sandbox, { projectName: PROJECT })).id as string);
      const other = await start(sandbox, { projectName: "other" });
      expect(other.buildNumber).toBe(1);
      expect((await get(sandbox, ids[104] as string)).buildNumber).toBe(105);

      const codebuild = client(sandbox);
      const first = await codebuild.send(new ListBuildsForProjectCommand({ projectName: PROJECT }));
      expect(first.ids).toHaveLength(100);
      expect(first.ids?.[0]).toBe(ids[104]);
      expect(first.nextToken).toBeTruthy();
      const second = await codebuild.send(
        new ListBuildsForProjectCommand({ projectName: PROJECT, nextToken: first.nextToken }),
      );
      expect(second.ids).toEqual(ids.slice(0, 5).reverse());
      expect(second.nextToken).toBeUndefined();
      const ascending = await codebuild.send(
        new ListBuildsForProjectCommand({ projectName: PROJECT, sortOrder: "ASCENDING" }),
      );
      expect(ascending.ids?.slice(0, 3)).toEqual(ids.slice(0, 3));

      const bad = await rejection(
        codebuild.send(new ListBuildsForProjectCommand({ projectName: PROJECT, nextToken: "garbage" })),
      );
      expect(bad.name).toBe("InvalidInputException");
      const unknown = await rejection(
        codebuild.send(new ListBuildsForProjectCommand({ projectName: "nope" })),
      );
      expect(unknown.name).toBe("ResourceNotFoundException");
    });
  });

  it("honours an idempotency token for five minutes of sandbox time", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const input = { ...removal({ app: "shop", stage: "pr-12", account: DEV }), idempotencyToken: "rm-1" };
      const first = await start(sandbox, input);
      const again = await start(sandbox, input);
      expect(again.id).toBe(first.id);
      const changed = await rejection(start(sandbox, { ...input, sourceVersion: "other-branch" }));
      expect(changed.name).toBe("InvalidInputException");
      expect(changed.message).toBe("Idempotency token already used with different parameters");
      sandbox.clock.advance("PT6M");
      const later = await start(sandbox, input);
      expect(later.id).not.toBe(first.id);
    });
  });

  it("validates its input with CodeBuild's errors", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const codebuild = client(sandbox);
      const short = await rejection(start(sandbox, { projectName: PROJECT, timeoutInMinutesOverride: 4 }));
      expect(short.name).toBe("InvalidInputException");
      expect(short.$metadata?.httpStatusCode).toBe(400);
      const queued = await rejection(
        start(sandbox, { projectName: PROJECT, queuedTimeoutInMinutesOverride: 481 }),
      );
      expect(queued.name).toBe("InvalidInputException");
      expect(
        (await start(sandbox, { projectName: PROJECT, timeoutInMinutesOverride: 2160 })).timeoutInMinutes,
      ).toBe(2160);

      const missing = await rejection(start(sandbox, { projectName: "nope" }));
      expect(missing.name).toBe("ResourceNotFoundException");
      expect(missing.message).toBe(
        `Project cannot be found: arn:aws:codebuild:us-east-1:${DEV}:project/nope`,
      );
      // Projects are regional and per account.
      const elsewhere = await rejection(
        new CodeBuildClient(clientConfig(sandbox, "eu-west-1", `sandbox-${DEV}`)).send(
          new StartBuildCommand({ projectName: PROJECT }),
        ),
      );
      expect(elsewhere.name).toBe("ResourceNotFoundException");

      const invalid = await rejection(codebuild.send(new BatchGetBuildsCommand({ ids: ["no-colon"] })));
      expect(invalid.name).toBe("InvalidInputException");
      expect(invalid.message).toBe("Invalid build ID provided");
      const tooMany = await rejection(
        codebuild.send(new BatchGetBuildsCommand({ ids: Array.from({ length: 101 }, (_, i) => `p:${i}`) })),
      );
      expect(tooMany.name).toBe("InvalidInputException");
      const unknown = await codebuild.send(new BatchGetBuildsCommand({ ids: [`${PROJECT}:0000`] }));
      expect(unknown.builds).toEqual([]);
      expect(unknown.buildsNotFound).toEqual([`${PROJECT}:0000`]);
    });
  });

  it("fails StartBuild with AccountLimitExceededException when injected, without SDK retries", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const res = await fetch(`${sandbox.url}/_sandbox/codebuild/account-limit`, {
        method: "POST",
        body: JSON.stringify({ count: 2 }),
      });
      expect(res.status).toBe(200);
      const retrying = new CodeBuildClient({
        ...clientConfig(sandbox, "us-east-1", `sandbox-${DEV}`),
        maxAttempts: 3,
      });
      for (let i = 0; i < 2; i++) {
        const error = await rejection(retrying.send(new StartBuildCommand({ projectName: PROJECT })));
        expect(error.name).toBe("AccountLimitExceededException");
        expect(error.message).toBe("Cannot have more than 25 builds in queue for the account");
        expect(error.$metadata?.attempts).toBe(1);
      }
      expect((await start(sandbox, { projectName: PROJECT })).buildStatus).toBe("IN_PROGRESS");
    });
  });

  it("queues builds beyond the account's concurrency and refuses more than five times as many", async () => {
    const seed = testSeed({
      codebuild: {
        projects: [{ name: PROJECT, account: DEV, region: "us-east-1" }],
        concurrency: 1,
        buildSeconds: 3,
      },
    });
    await withSandbox(seed, async (sandbox) => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await start(sandbox, { projectName: PROJECT })).id as string);
      const overflow = await rejection(start(sandbox, { projectName: PROJECT }));
      expect(overflow.name).toBe("AccountLimitExceededException");
      expect(overflow.message).toBe("Cannot have more than 5 builds in queue for the account");

      sandbox.clock.advance("PT2S");
      const { builds } = await client(sandbox).send(new BatchGetBuildsCommand({ ids }));
      expect(builds?.filter((b) => b.currentPhase === "QUEUED").length).toBe(5);

      sandbox.clock.advance("PT1M");
      const { builds: done } = await client(sandbox).send(new BatchGetBuildsCommand({ ids }));
      expect(done?.every((b) => b.buildComplete)).toBe(true);
      // One at a time: each starts provisioning only when the one before has finished.
      const provisioning = done?.map((b) => b.phases?.find((p) => p.phaseType === "PROVISIONING")?.startTime);
      for (let i = 1; i < 6; i++) {
        expect(provisioning?.[i]?.getTime()).toBeGreaterThanOrEqual(
          done?.[i - 1]?.endTime?.getTime() ?? Infinity,
        );
      }
      expect(
        done?.[5]?.phases?.find((p) => p.phaseType === "QUEUED")?.durationInSeconds,
      ).toBeGreaterThanOrEqual(10);
    });
  });

  it("stops a running build, and returns a finished one unchanged", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const codebuild = client(sandbox);
      const running = await start(sandbox, removal({ app: "shop", stage: "pr-12", account: DEV }));
      // Well before its BUILD phase (1.8 s in), even on a slow machine.
      sandbox.clock.advance("PT0.5S");
      const { build: stopped } = await codebuild.send(new StopBuildCommand({ id: running.id }));
      expect(stopped?.buildStatus).toBe("STOPPED");
      expect(stopped?.buildComplete).toBe(true);
      expect(stopped?.currentPhase).toBe("COMPLETED");
      expect(stopped?.phases?.at(-2)?.phaseStatus).toBe("STOPPED");
      const later = await finish(sandbox, running.id as string);
      expect(later.buildStatus).toBe("STOPPED");
      // Stopped before its BUILD phase: nothing was removed.
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toHaveLength(3);

      const other = await start(sandbox, { projectName: PROJECT });
      const finished = await finish(sandbox, other.id as string);
      const { build: again } = await codebuild.send(new StopBuildCommand({ id: other.id }));
      expect(again?.buildStatus).toBe(finished.buildStatus);
      expect(again?.endTime).toEqual(finished.endTime);

      const unknown = await rejection(codebuild.send(new StopBuildCommand({ id: `${PROJECT}:nope` })));
      expect(unknown.name).toBe("ResourceNotFoundException");
    });
  });

  it("answers an injected throttle with ThrottlingException", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      sandbox.faults.add({ service: "codebuild", operation: "BatchGetBuilds", kind: "throttle", count: 1 });
      const error = await rejection(
        client(sandbox).send(new BatchGetBuildsCommand({ ids: [`${PROJECT}:x`] })),
      );
      expect(error.name).toBe("ThrottlingException");
      expect(error.$metadata?.attempts).toBe(1);
    });
  });
});

describe("CodeBuild removal builds", () => {
  it("removes a stage: deletes its resources except retained ones, empties its state, records the update", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const before = tagged(sandbox, DEV, "shop", "pr-12");
      expect(before).toHaveLength(3);
      const build = await start(
        sandbox,
        removal({ app: "shop", stage: "pr-12", account: DEV, runId: "rm-42" }),
      );
      const done = await finish(sandbox, build.id as string);
      expect(done.buildStatus).toBe("SUCCEEDED");

      const left = tagged(sandbox, DEV, "shop", "pr-12");
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^arn:aws:dynamodb:us-east-1:111111111111:table\/shop-pr-12-Orders-/);
      // Other stages of the account are untouched.
      expect(tagged(sandbox, DEV, "api", "pr-12").length).toBeGreaterThan(0);

      const state = stateObject(sandbox, DEV, "us-east-1", "app/shop/pr-12.json");
      const checkpoint = JSON.parse(state?.body.toString() ?? "{}");
      expect(checkpoint.checkpoint.latest.resources).toEqual([]);
      expect(checkpoint.checkpoint.stack).toBe("organization/shop/pr-12");

      const bucket = sandbox.estate.bucket(stateBucketName(DEV, "us-east-1"));
      const updates = [...(bucket?.objects.keys() ?? [])]
        .filter((k) => k.startsWith("update/shop/pr-12/"))
        .sort();
      const newest = JSON.parse(bucket?.objects.get(updates[0] as string)?.body.toString() ?? "{}");
      expect(newest).toMatchObject({ command: "remove", runID: "rm-42", errors: [] });
      expect(newest.id).toBe(updates[0]?.slice("update/shop/pr-12/".length, -".json".length));

      const stream = sandbox.estate.costs.get(`${DEV}\tshop\tpr-12`);
      expect(stream?.until).toBe("2026-11-20");
      if (!stream) throw new Error("no cost stream");
      expect(sandbox.estate.costOn(stream, "2026-11-20")).toBeGreaterThan(0n);
      expect(sandbox.estate.costOn(stream, "2026-11-21")).toBe(0n);

      const outcome = JSON.parse(
        sandbox.estate.bucket("stagekeeper-ledger")?.objects.get("outcome/rm-42.json")?.body.toString() ??
          "{}",
      );
      expect(outcome).toMatchObject({
        removalId: "rm-42",
        outcome: "removed",
        account: DEV,
        region: "us-east-1",
        app: "shop",
        stage: "pr-12",
        buildId: build.id,
      });
      expect(new Date(outcome.finishedAt).toISOString()).toBe(outcome.finishedAt);
      expect(outcome.log).toContain("Removed");
      expect((await inspect(sandbox)).find((b) => b.id === build.id)?.outcome?.outcome).toBe("removed");

      // Removing it again: SST finds no stage.
      const again = await finish(
        sandbox,
        (await start(sandbox, removal({ app: "shop", stage: "pr-12", account: DEV }))).id as string,
      );
      expect(again.buildStatus).toBe("FAILED");
    });
  });

  it("keeps a gzip state gzipped when it empties it", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const input = removal({ app: "api", stage: "pr-12", account: DEV, region: "eu-west-1" });
      const done = await finish(sandbox, (await start(sandbox, input)).id as string);
      expect(done.buildStatus).toBe("SUCCEEDED");
      const body = stateObject(sandbox, DEV, "eu-west-1", "app/api/pr-12.json")?.body ?? Buffer.alloc(0);
      expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
      expect(JSON.parse(gunzipSync(body).toString()).checkpoint.latest.resources).toEqual([]);
      expect(tagged(sandbox, DEV, "api", "pr-12")).toEqual([]);
    });
  });

  it("refuses what sst remove refuses, with SST's messages and a FAILED build", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const role = `arn:aws:iam::${PROD}:role/stagekeeper`;
      const cases = [
        {
          input: removal({ app: "shop", stage: "production", account: PROD, role, runId: "rm-prod" }),
          outcome: "protected",
          message: /^Cannot remove protected stage\./,
        },
        {
          // The state says _protect: false, but the app's current config protects staging.
          input: removal({ app: "api", stage: "staging", account: PROD, role, runId: "rm-staging" }),
          outcome: "protected",
          message: /^Cannot remove protected stage\./,
        },
        {
          input: removal({ app: "shop", stage: "pr-7", account: DEV, runId: "rm-locked" }),
          outcome: "locked",
          message: /^Locked: .*Run `sst unlock`/,
        },
        {
          input: removal({ app: "shop", stage: "pr-99", account: DEV, runId: "rm-missing" }),
          outcome: "not-found",
          message: /^Stage not found$/,
        },
        {
          input: removal({ app: "shop", stage: "pr-3", account: DEV, runId: "rm-removed" }),
          outcome: "not-found",
          message: /^Stage not found$/,
        },
      ];
      for (const c of cases) {
        const done = await finish(sandbox, (await start(sandbox, c.input)).id as string);
        expect(done.buildStatus).toBe("FAILED");
        const phase = done.phases?.find((p) => p.phaseType === "BUILD");
        expect(phase?.phaseStatus).toBe("FAILED");
        expect(phase?.contexts?.[0]?.statusCode).toBe("COMMAND_EXECUTION_ERROR");
        const runId = c.input.environmentVariablesOverride?.find((v) => v.name === "SST_RUN_ID")?.value;
        const outcome = JSON.parse(
          sandbox.estate
            .bucket("stagekeeper-ledger")
            ?.objects.get(`outcome/${runId}.json`)
            ?.body.toString() ?? "{}",
        );
        expect(outcome.outcome).toBe(c.outcome);
        expect(outcome.message).toMatch(c.message);
      }
      expect(tagged(sandbox, PROD, "shop", "production").length).toBeGreaterThan(0);
      expect(tagged(sandbox, DEV, "shop", "pr-7").length).toBeGreaterThan(0);
    });
  });

  it("refuses the wrong app, the wrong account or a role it cannot assume as a mismatch", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      const cases: [string, StartBuildCommandInput][] = [
        ["wrong app", removal({ app: "api", stage: "pr-12", account: DEV, repository: "acme/shop" })],
        [
          "unknown repository",
          removal({ app: "shop", stage: "pr-12", account: DEV, repository: "acme/nope" }),
        ],
        ["wrong account", removal({ app: "shop", stage: "production", account: PROD })],
        [
          "role in another account",
          removal({
            app: "shop",
            stage: "pr-12",
            account: DEV,
            role: `arn:aws:iam::${PROD}:role/stagekeeper`,
          }),
        ],
        [
          "role not assumable",
          removal({
            app: "shop",
            stage: "production",
            account: PROD,
            role: `arn:aws:iam::${PROD}:role/nope`,
          }),
        ],
      ];
      for (const [name, input] of cases) {
        const build = await start(sandbox, input);
        const done = await finish(sandbox, build.id as string);
        const outcome = (await inspect(sandbox)).find((b) => b.id === build.id)?.outcome;
        expect(outcome?.outcome, name).toBe("mismatch");
        expect(done.buildStatus, name).toBe("FAILED");
      }
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toHaveLength(3);
      expect(tagged(sandbox, PROD, "shop", "production").length).toBeGreaterThan(0);
    });
  });

  it("fails the next builds on demand with outcome failed", async () => {
    await withSandbox(removalSeed(), async (sandbox) => {
      await fetch(`${sandbox.url}/_sandbox/codebuild/fail-next`, {
        method: "POST",
        body: JSON.stringify({ count: 1, message: "npm ci failed" }),
      });
      const failed = await start(
        sandbox,
        removal({ app: "shop", stage: "pr-12", account: DEV, runId: "rm-f" }),
      );
      expect((await finish(sandbox, failed.id as string)).buildStatus).toBe("FAILED");
      const outcome = (await inspect(sandbox)).find((b) => b.id === failed.id)?.outcome;
      expect(outcome).toMatchObject({ outcome: "failed", message: "npm ci failed" });
      expect(tagged(sandbox, DEV, "shop", "pr-12")).toHaveLength(3);
      const next = await start(sandbox, removal({ app: "shop", stage: "pr-12", account: DEV }));
      expect((await finish(sandbox, next.id as string)).buildStatus).toBe("SUCCEEDED");
    });
  });
});

describe("CodeBuild state-change events", () => {
  it("posts each state change to the configured target in EventBridge's shape, retrying failed deliveries", async () => {
    const received: StateEvent[] = [];
    let failFirst = true;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (failFirst) {
          failFirst = false;
          res.writeHead(500).end();
          return;
        }
        received.push(JSON.parse(Buffer.concat(chunks).toString()) as StateEvent);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    try {
      await withSandbox(removalSeed(), async (sandbox) => {
        const set = await fetch(`${sandbox.url}/_sandbox/events/target`, {
          method: "POST",
          body: JSON.stringify({ url }),
        });
        expect(set.status).toBe(200);
        const build = await start(
          sandbox,
          removal({
            app: "shop",
            stage: "production",
            account: PROD,
            role: `arn:aws:iam::${PROD}:role/stagekeeper`,
          }),
        );
        sandbox.clock.advance("PT1M");
        await get(sandbox, build.id as string);
        await waitFor(() => received.length >= 2);

        // The first delivery failed and came again later: events may arrive out of order, as from EventBridge.
        const byStatus = (status: string) => {
          const event = received.find((e) => e.detail["build-status"] === status);
          if (!event) throw new Error(`no ${status} event`);
          return event;
        };
        const first = byStatus("IN_PROGRESS");
        const last = byStatus("FAILED");
        expect(received).toHaveLength(2);
        for (const event of [first, last]) {
          expect(event).toMatchObject({
            version: "0",
            "detail-type": "CodeBuild Build State Change",
            source: "aws.codebuild",
            account: DEV,
            region: "us-east-1",
            resources: [build.arn],
          });
          expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          expect(event.detail["build-id"]).toBe(build.arn);
          expect(event.detail["project-name"]).toBe(PROJECT);
          expect(typeof event.detail["current-phase-context"]).toBe("string");
          expect(event.detail.version).toBe("1");
          expect(event.detail["additional-information"]["build-start-time"]).toMatch(
            /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M$/,
          );
        }
        const info = last.detail["additional-information"];
        expect(last.detail["current-phase"]).toBe("COMPLETED");
        expect(info["build-complete"]).toBe(true);
        expect(info.environment["environment-variables"]).toContainEqual({
          name: "SST_STAGE",
          type: "PLAINTEXT",
          value: "production",
        });
        expect(info.logs["deep-link"]).toContain("logEvent:group=");
        const buildPhase = info.phases.find((p) => p["phase-type"] === "BUILD");
        expect(buildPhase?.["phase-status"]).toBe("FAILED");
        expect((buildPhase?.["phase-context"] as string[] | undefined)?.[0]).toMatch(
          /^COMMAND_EXECUTION_ERROR: /,
        );
        expect(info.phases.at(-1)).toEqual({ "start-time": expect.any(String), "phase-type": "COMPLETED" });

        const all = (await (await fetch(`${sandbox.url}/_sandbox/events`)).json()) as unknown[];
        expect(all).toHaveLength(2);
      });
    } finally {
      server.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
