import {
  BatchGetBuildsCommand,
  type Build,
  type CodeBuildClient,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  type StartBuildCommandInput,
} from "@aws-sdk/client-codebuild";
import { describeError } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import { audit } from "../ledger/audit.js";
import { type Attempt, recordKey, type StageRecord, stageRecordSchema } from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import { isValidAppName, isValidStageName, type StageKey, stageId } from "../stage/key.js";
import { REMOVAL_ENV } from "./contract.js";
import { type RemovalRequest, removalRequestSchema } from "./request.js";

export interface WorkerDeps {
  store: LedgerStore;
  config: Config;
  now: Date;
  /** A client for the CodeBuild project `config.removal.project`, in Stagekeeper's own account and region. */
  codebuild: CodeBuildClient;
  /** Our buildspec text (loadBuildspec()): always sent as buildspecOverride, never the app's own. */
  buildspec: string;
}

export type WorkerAction =
  /** StartBuild called; the build id is on the attempt. */
  | "started"
  /** A build for this removal already existed (a crash after StartBuild): recorded, none started. */
  | "found"
  /** Nothing to do: a stale or duplicate request, or the build is already recorded. */
  | "skipped"
  /** StartBuild failed (e.g. AccountLimitExceededException): the claim stays, the next run retries. */
  | "deferred"
  /** The request or the configuration does not allow a removal: nothing reaches CodeBuild. */
  | "refused";

export interface WorkerResult {
  action: WorkerAction;
  removalId: string;
  stage?: StageKey;
  buildId?: string;
  reason: string;
}

/** How far before `startingAt` the look-up for a build started before a crash goes (clock skew). */
const LOOKUP_MARGIN_MS = 15 * 60_000;
/** The look-up reads at most this many pages of 100 builds, newest first. */
const LOOKUP_PAGES = 10;

/**
 * Starts the CodeBuild removal for one request, at most once per attempt. The gate has taken the claim; this
 * worker is the only holder of codebuild:StartBuild. A request whose removal id is not the stage's current
 * claim, or whose build is already recorded, is dropped: never two builds, never a running one cancelled.
 *
 * Before StartBuild it marks the attempt `startingAt`; a request that finds the mark without a build id (a crash
 * between the two) first looks the build up by its SST_RUN_ID and records it instead of starting another. The
 * idempotency token (the removal id) makes two workers racing on the same request harmless within 5 minutes.
 *
 * Throws only on ledger or network errors the caller should retry (the queue then delivers the request again).
 */
export async function processRemoval(deps: WorkerDeps, request: unknown): Promise<WorkerResult> {
  const parsed = removalRequestSchema.safeParse(request);
  const raw = request as { removalId?: unknown } | undefined;
  const rawId =
    typeof raw?.removalId === "string" && /^[A-Za-z0-9-]{1,64}$/.test(raw.removalId) ? raw.removalId : "";
  if (!parsed.success || !isValidAppName(parsed.data.app) || !isValidStageName(parsed.data.stage)) {
    const fields = parsed.success
      ? "app, stage"
      : parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    const reason = `invalid removal request (${fields}): dropped before CodeBuild`;
    await audit(deps.store, {
      action: "refused",
      reason,
      trigger: { surface: "build", by: "removal-worker" },
      ...(rawId ? { removalId: rawId } : {}),
      now: deps.now,
    });
    return { action: "refused", removalId: rawId, reason };
  }
  const req = parsed.data;
  const key: StageKey = { account: req.account, region: req.region, app: req.app, stage: req.stage };
  const result = (action: WorkerAction, reason: string, buildId?: string): WorkerResult => ({
    action,
    removalId: req.removalId,
    stage: key,
    reason,
    ...(buildId ? { buildId } : {}),
  });

  const current = await deps.store.get(recordKey(key), stageRecordSchema);
  if (!current) return result("skipped", `${stageId(key)} has no ledger record: nothing was claimed`);
  const record = current.value;
  if (record.claim !== req.removalId) {
    return result("skipped", `removal ${req.removalId} is not the current claim of ${stageId(key)}`);
  }
  const attempt = findAttempt(record, req.removalId);
  if (!attempt) return result("skipped", `the claim ${req.removalId} has no attempt on ${stageId(key)}`);
  if (attempt.buildId)
    return result("skipped", `build ${attempt.buildId} already runs this removal`, attempt.buildId);
  if (attempt.outcome) return result("skipped", `removal ${req.removalId} already ended: ${attempt.outcome}`);

  const refusal = refuse(deps.config, req);
  if (refusal) {
    await note(deps, key, req.removalId, refusal, false);
    await audit(deps.store, {
      action: "refused",
      reason: refusal,
      trigger: attempt.trigger,
      stage: key,
      removalId: req.removalId,
      now: deps.now,
    });
    return result("refused", refusal);
  }
  const project = deps.config.removal?.project as string;
  const input = startBuildInput(deps.config, req, deps.buildspec, deps.store.bucket);

  if (attempt.startingAt) {
    const since = new Date(new Date(attempt.startingAt).getTime() - LOOKUP_MARGIN_MS);
    const found = await findBuild(deps.codebuild, project, req.removalId, since);
    if (found?.id) {
      const recorded = await recordBuild(deps, key, req.removalId, found);
      if (recorded === "recorded") {
        await audit(deps.store, {
          action: "removal-started",
          reason: `build ${found.id} was started before an interruption; recorded, no second build started`,
          trigger: attempt.trigger,
          stage: key,
          removalId: req.removalId,
          now: deps.now,
        });
        return result("found", `build ${found.id} found by its SST_RUN_ID and recorded`, found.id);
      }
      return result("skipped", `build ${found.id} is already recorded (${recorded})`, found.id);
    }
  } else {
    const marked = await markStarting(deps, key, req.removalId);
    if (marked !== "marked")
      return result("skipped", `removal ${req.removalId} changed under us (${marked})`);
  }

  let build: Build | undefined;
  try {
    build = (await deps.codebuild.send(new StartBuildCommand(input))).build;
    if (!build?.id) throw new Error("StartBuild returned no build id");
  } catch (error) {
    const refused = startWasRefused(error);
    const reason = `StartBuild failed: ${describeError(error)}; the claim is kept and the next run starts it`;
    await note(deps, key, req.removalId, reason, refused);
    await audit(deps.store, {
      action: "removal-deferred",
      reason,
      trigger: attempt.trigger,
      stage: key,
      removalId: req.removalId,
      now: deps.now,
    });
    return result("deferred", reason);
  }
  const buildId = build.id;
  const recorded = await recordBuild(deps, key, req.removalId, build);
  if (recorded !== "recorded" && recorded !== "same") {
    // The claim moved on between StartBuild and now: leave the ledger to whoever moved it; the build runs its
    // course and its outcome lands on this attempt.
    return result("skipped", `build ${buildId} started but the claim changed (${recorded})`, buildId);
  }
  if (recorded === "recorded") {
    await audit(deps.store, {
      action: "removal-started",
      reason: `build ${buildId} runs sst remove for ${key.app}/${key.stage} in ${key.account}/${key.region}`,
      trigger: attempt.trigger,
      stage: key,
      removalId: req.removalId,
      now: deps.now,
    });
  }
  return result("started", `build ${buildId} started`, buildId);
}

/** Why this request must not reach CodeBuild under the current configuration; undefined when it may. */
function refuse(config: Config, req: RemovalRequest): string | undefined {
  if (!config.removal)
    return 'removal.project is not configured: no CodeBuild project to run "sst remove" in';
  const app = config.apps.find((a) => a.name === req.app);
  if (!app) return `app ${req.app} is not configured with a repository to run sst remove from`;
  if (app.account && app.account !== req.account)
    return `app ${req.app} deploys to account ${app.account}, not ${req.account}`;
  if (config.accounts.length > 0) {
    const account = config.accounts.find((a) => a.id === req.account);
    if (!account) return `Stagekeeper is not configured to act in account ${req.account}`;
    if (!account.regions.includes(req.region))
      return `region ${req.region} is not configured for account ${req.account}`;
  }
  return undefined;
}

/**
 * The StartBuild request for one removal: our buildspec, the app's repository and branch as the source, and the
 * contract's environment (plain text, names already validated). The same request always yields the same input,
 * so a repeat within the idempotency token's 5 minutes returns the same build.
 */
export function startBuildInput(
  config: Config,
  request: RemovalRequest,
  buildspec: string,
  ledgerBucket: string,
): StartBuildCommandInput {
  const app = config.apps.find((a) => a.name === request.app);
  const project = config.removal?.project;
  if (!app || !project) throw new Error(`app ${request.app} or removal.project is not configured`);
  const roleArn = config.accounts.find((a) => a.id === request.account)?.roleArn;
  const env: Record<string, string | undefined> = {
    [REMOVAL_ENV.stage]: request.stage,
    [REMOVAL_ENV.app]: request.app,
    [REMOVAL_ENV.account]: request.account,
    [REMOVAL_ENV.region]: request.region,
    [REMOVAL_ENV.roleArn]: roleArn,
    [REMOVAL_ENV.runId]: request.removalId,
    [REMOVAL_ENV.ledgerBucket]: ledgerBucket,
    [REMOVAL_ENV.noProfile]: "1",
    [REMOVAL_ENV.telemetryDisabled]: "1",
    [REMOVAL_ENV.printLogs]: "1",
  };
  return {
    projectName: project,
    idempotencyToken: request.removalId,
    buildspecOverride: buildspec,
    sourceTypeOverride: "GITHUB",
    sourceLocationOverride: `https://github.com/${app.repository}.git`,
    sourceVersion: app.branch,
    environmentVariablesOverride: Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => ({ name, value, type: "PLAINTEXT" })),
  };
}

/** The value of one environment variable of a build, as BatchGetBuilds returns it. */
export function buildEnv(build: Build, name: string): string | undefined {
  return build.environment?.environmentVariables?.find((v) => v.name === name)?.value;
}

/**
 * The build of one removal, found by its SST_RUN_ID among the project's builds, newest first, going back to
 * `since`. Undefined when there is none.
 */
export async function findBuild(
  codebuild: CodeBuildClient,
  project: string,
  removalId: string,
  since: Date,
): Promise<Build | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < LOOKUP_PAGES; page++) {
    const listed = await codebuild.send(
      new ListBuildsForProjectCommand({
        projectName: project,
        sortOrder: "DESCENDING",
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    const ids = listed.ids ?? [];
    if (ids.length === 0) return undefined;
    const { builds = [] } = await codebuild.send(new BatchGetBuildsCommand({ ids }));
    const match = builds.find((b) => buildEnv(b, REMOVAL_ENV.runId) === removalId);
    if (match) return match;
    const oldest = Math.min(...builds.map((b) => b.startTime?.getTime() ?? Number.POSITIVE_INFINITY));
    if (oldest < since.getTime() || !listed.nextToken) return undefined;
    nextToken = listed.nextToken;
  }
  return undefined;
}

function findAttempt(record: StageRecord, removalId: string): Attempt | undefined {
  return record.attempts.find((a) => a.removalId === removalId);
}

function replaceAttempt(
  record: StageRecord,
  removalId: string,
  change: (a: Attempt) => Attempt,
): StageRecord {
  return { ...record, attempts: record.attempts.map((a) => (a.removalId === removalId ? change(a) : a)) };
}

/** Marks the attempt as about to start, if it is still the claim and nothing has started it. */
async function markStarting(
  deps: WorkerDeps,
  key: StageKey,
  removalId: string,
): Promise<"marked" | "stale" | "started"> {
  let state: "marked" | "stale" | "started" = "stale";
  await deps.store.update(recordKey(key), stageRecordSchema, (record) => {
    const attempt = record && record.claim === removalId ? findAttempt(record, removalId) : undefined;
    if (!record || !attempt || attempt.outcome) {
      state = "stale";
      return undefined;
    }
    if (attempt.buildId || attempt.startingAt) {
      state = "started";
      return undefined;
    }
    state = "marked";
    return replaceAttempt(record, removalId, (a) => ({ ...a, startingAt: deps.now.toISOString() }));
  });
  return state;
}

/** Records the build on the attempt: "recorded", or "same" when it already was, or why not. */
async function recordBuild(
  deps: WorkerDeps,
  key: StageKey,
  removalId: string,
  build: Build,
): Promise<"recorded" | "same" | "other" | "stale"> {
  let state: "recorded" | "same" | "other" | "stale" = "stale";
  const id = build.id as string;
  await deps.store.update(recordKey(key), stageRecordSchema, (record) => {
    const attempt = record && record.claim === removalId ? findAttempt(record, removalId) : undefined;
    if (!record || !attempt) {
      state = "stale";
      return undefined;
    }
    if (attempt.buildId) {
      state = attempt.buildId === id ? "same" : "other";
      return undefined;
    }
    state = "recorded";
    const link = build.logs?.deepLink;
    const next = replaceAttempt(record, removalId, ({ message: _message, ...a }) => ({
      ...a,
      startingAt: a.startingAt ?? deps.now.toISOString(),
      buildId: id,
      ...(link ? { logUrl: link } : {}),
    }));
    return { ...next, status: "removing" as const };
  });
  return state;
}

/** Writes why the attempt did not start (keeping the claim); clears `startingAt` when no build can exist. */
async function note(
  deps: WorkerDeps,
  key: StageKey,
  removalId: string,
  message: string,
  clearStarting: boolean,
) {
  await deps.store.update(recordKey(key), stageRecordSchema, (record) => {
    const attempt = record && record.claim === removalId ? findAttempt(record, removalId) : undefined;
    if (!record || !attempt || attempt.buildId || attempt.outcome) return undefined;
    return replaceAttempt(record, removalId, ({ startingAt, ...a }) => ({
      ...a,
      ...(startingAt && !clearStarting ? { startingAt } : {}),
      message: message.slice(0, 4000),
    }));
  });
}

/**
 * True when CodeBuild answered StartBuild with a 4xx error: the request was refused and no build exists
 * (AccountLimitExceededException, InvalidInputException, ResourceNotFoundException, throttling). A network
 * error or a 5xx may hide a build that did start, so `startingAt` stays and the next try looks it up first.
 */
function startWasRefused(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
