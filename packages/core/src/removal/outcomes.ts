import type { Config } from "../config/index.js";
import { audit } from "../ledger/audit.js";
import { recordKey, type StageRecord, stageRecordSchema, type Trigger } from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import { isValidStageKey, keyOf, type StageKey } from "../stage/key.js";
import {
  type OutcomeRecord,
  outcomeKey,
  outcomeRecordSchema,
  REMOVAL_ENV,
  type RemovalOutcome,
} from "./contract.js";

export interface OutcomeDeps {
  store: LedgerStore;
  config: Config;
  now: Date;
}

/** What a build ended with when it left no outcome record (killed, timed out, failed before POST_BUILD). */
export interface BuildStatusOutcome {
  removalId: string;
  buildId: string;
  /** CodeBuild's buildStatus: FAILED, FAULT, TIMED_OUT, STOPPED (or SUCCEEDED without a record). */
  buildStatus: string;
  stage: StageKey;
  logUrl?: string;
  /** Why there is no record, when known. */
  detail?: string;
}

export type OutcomeInput = (OutcomeRecord & { logUrl?: string }) | BuildStatusOutcome;

/** Failed removals are retried this many attempts in all, a day apart, then the stage is `failed`. */
export const RETRY_POLICY = { maxFailedAttempts: 3, delayMs: 24 * 3600_000 } as const;

export interface AppliedOutcome {
  /** false: the outcome was already recorded (a duplicate), or the attempt is unknown. */
  applied: boolean;
  removalId: string;
  stage: StageKey;
  outcome: RemovalOutcome;
  /** The outcome belonged to the stage's current claim (and so moved the stage's status). */
  current: boolean;
  /** The stage's status afterwards. */
  status?: StageRecord["status"];
  retryAt?: string;
  reason: string;
}

/** One outcome, whichever way it arrived: the input of the pure transition. */
export interface NormalisedOutcome {
  removalId: string;
  outcome: RemovalOutcome;
  buildId?: string;
  message: string;
  logUrl?: string;
  finishedAt?: string;
}

/**
 * Applies one removal outcome to the stage's ledger record (a conditional write) and audits the transition
 * with action = the outcome. Idempotent: an outcome already on its attempt changes nothing and is not audited
 * again. An outcome for a removal that is no longer the stage's claim is written on its own attempt only.
 *
 * removed / not-found → `removed` (the next scan confirms it is gone); protected → `protected`, never retried;
 * locked → `active`, retried after a day (a stale lock is reported by the plan, never cleared here);
 * mismatch → `failed` at once; failed → retried a day later, `failed` after RETRY_POLICY.maxFailedAttempts.
 */
export async function recordOutcome(
  deps: OutcomeDeps,
  input: OutcomeInput,
  trigger?: Trigger,
): Promise<AppliedOutcome> {
  const stage =
    "stage" in input && typeof input.stage === "object" ? input.stage : keyOf(input as OutcomeRecord);
  const normal = normaliseOutcome(input);
  const base = { removalId: normal.removalId, stage, outcome: normal.outcome };
  if (!isValidStageKey(stage)) {
    return { ...base, applied: false, current: false, reason: "the outcome names an invalid stage; ignored" };
  }
  let applied: ReturnType<typeof applyOutcome> | undefined;
  await deps.store.update(recordKey(stage), stageRecordSchema, (record) => {
    applied = record ? applyOutcome(record, normal, deps.now) : undefined;
    return applied?.applied ? applied.record : undefined;
  });
  const result = applied as ReturnType<typeof applyOutcome> | undefined;
  if (!result) return { ...base, applied: false, current: false, reason: "no ledger record for this stage" };
  const summary: AppliedOutcome = {
    ...base,
    applied: result.applied,
    current: result.current,
    status: result.record.status,
    ...(result.current && result.record.retryAt ? { retryAt: result.record.retryAt } : {}),
    reason: result.reason,
  };
  if (result.applied) {
    await audit(deps.store, {
      action: normal.outcome,
      reason: result.reason,
      trigger: trigger ?? { surface: "build", by: normal.buildId ?? "codebuild" },
      stage,
      removalId: normal.removalId,
      now: deps.now,
    });
  }
  return summary;
}

/**
 * The pure transition: the record with the outcome applied, or `applied: false` when it is already there or
 * the attempt is unknown.
 */
export function applyOutcome(
  record: StageRecord,
  outcome: NormalisedOutcome,
  now: Date,
): { record: StageRecord; applied: boolean; current: boolean; reason: string } {
  const index = record.attempts.findIndex((a) => a.removalId === outcome.removalId);
  const attempt = record.attempts[index];
  if (!attempt)
    return {
      record,
      applied: false,
      current: false,
      reason: `no attempt ${outcome.removalId} on this stage`,
    };
  if (attempt.outcome) {
    return { record, applied: false, current: false, reason: `already recorded: ${attempt.outcome}` };
  }
  const logUrl = outcome.logUrl ?? attempt.logUrl;
  const updated = {
    ...attempt,
    ...(attempt.buildId || !outcome.buildId ? {} : { buildId: outcome.buildId }),
    ...(logUrl ? { logUrl } : {}),
    outcome: outcome.outcome,
    finishedAt:
      outcome.finishedAt && !Number.isNaN(Date.parse(outcome.finishedAt))
        ? new Date(outcome.finishedAt).toISOString()
        : now.toISOString(),
    message: outcome.message.slice(0, 4000),
  };
  const attempts = record.attempts.map((a, i) => (i === index ? updated : a));
  const current = record.claim === outcome.removalId;
  if (!current) {
    return {
      record: { ...record, attempts },
      applied: true,
      current: false,
      reason: `${describe(outcome)} (removal ${outcome.removalId} is no longer the stage's claim; its status is unchanged)`,
    };
  }
  const { claim: _claim, retryAt: _retryAt, ...rest } = record;
  const released = { ...rest, attempts };
  const retryAt = new Date(now.getTime() + RETRY_POLICY.delayMs).toISOString();
  const link = logUrl ? ` Log: ${logUrl}` : "";
  switch (outcome.outcome) {
    case "removed":
    case "not-found":
      return {
        record: { ...released, status: "removed" },
        applied: true,
        current,
        reason: describe(outcome),
      };
    case "protected":
      return {
        record: { ...released, status: "protected" },
        applied: true,
        current,
        reason: `${describe(outcome)}; the app's config protects it, so it is never retried`,
      };
    case "locked":
      return {
        record: { ...released, status: "active", retryAt },
        applied: true,
        current,
        reason: `${describe(outcome)}; retried after ${retryAt} once the lock has cleared`,
      };
    case "mismatch":
      return {
        record: { ...released, status: "failed" },
        applied: true,
        current,
        reason: `${describe(outcome)}; not retried: a person must look at it.${link}`,
      };
    case "failed": {
      const failures = trailingFailures(attempts);
      if (failures >= RETRY_POLICY.maxFailedAttempts) {
        return {
          record: { ...released, status: "failed" },
          applied: true,
          current,
          reason: `${describe(outcome)}; gave up after ${failures} failed attempts.${link}`,
        };
      }
      return {
        record: { ...released, status: "active", retryAt },
        applied: true,
        current,
        reason: `${describe(outcome)}; attempt ${failures} of ${RETRY_POLICY.maxFailedAttempts}, retried after ${retryAt}.${link}`,
      };
    }
  }
}

/** Failed attempts in a row, newest first: a locked or removed attempt in between starts the count afresh. */
function trailingFailures(attempts: StageRecord["attempts"]): number {
  let count = 0;
  for (let i = attempts.length - 1; i >= 0; i--) {
    const outcome = attempts[i]?.outcome;
    if (outcome === undefined) continue;
    if (outcome !== "failed") break;
    count++;
  }
  return count;
}

function describe(outcome: NormalisedOutcome): string {
  const build = outcome.buildId ? ` (build ${outcome.buildId})` : "";
  return `${outcome.outcome}${build}: ${outcome.message}`;
}

const FINAL_STATUSES = new Set(["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"]);

export function isFinalBuildStatus(status: string | undefined): boolean {
  return status !== undefined && FINAL_STATUSES.has(status);
}

export function normaliseOutcome(input: OutcomeInput): NormalisedOutcome {
  if ("buildStatus" in input) {
    const detail = input.detail ? `: ${input.detail}` : "";
    return {
      removalId: input.removalId,
      outcome: "failed",
      buildId: input.buildId,
      message: `build ended ${input.buildStatus} without an outcome record${detail}`,
      ...(input.logUrl ? { logUrl: input.logUrl } : {}),
    };
  }
  return {
    removalId: input.removalId,
    outcome: input.outcome,
    ...(input.buildId ? { buildId: input.buildId } : {}),
    message: input.message || input.outcome,
    ...(input.logUrl ? { logUrl: input.logUrl } : {}),
    finishedAt: input.finishedAt,
  };
}

/** A "CodeBuild Build State Change" event, reduced to what Stagekeeper needs. */
export interface BuildEvent {
  /** `<project>:<uuid>`, normalised from the event's ARN. */
  buildId: string;
  project: string;
  status: string;
  removalId?: string;
  stage?: StageKey;
  logUrl?: string;
}

/**
 * Reads an EventBridge "CodeBuild Build State Change" event (WIRE.md §3.3): `build-id` is the build's ARN, keys
 * are kebab-case, the environment is under additional-information. Undefined for anything else.
 */
export function parseBuildEvent(event: unknown): BuildEvent | undefined {
  const e = event as
    | { "detail-type"?: unknown; source?: unknown; detail?: Record<string, unknown> }
    | undefined;
  if (e?.["detail-type"] !== "CodeBuild Build State Change" || e.source !== "aws.codebuild" || !e.detail)
    return undefined;
  const detail = e.detail;
  const arn = detail["build-id"];
  const status = detail["build-status"];
  if (typeof arn !== "string" || typeof status !== "string") return undefined;
  const at = arn.indexOf(":build/");
  const buildId = at >= 0 ? arn.slice(at + ":build/".length) : arn;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*:[A-Za-z0-9-]+$/.test(buildId)) return undefined;
  const project =
    typeof detail["project-name"] === "string" ? detail["project-name"] : (buildId.split(":")[0] ?? "");
  const info = (detail["additional-information"] ?? {}) as {
    environment?: { "environment-variables"?: { name?: unknown; value?: unknown; type?: unknown }[] };
    logs?: { "deep-link"?: unknown };
  };
  const env = new Map<string, string>();
  for (const v of info.environment?.["environment-variables"] ?? []) {
    if (typeof v.name === "string" && typeof v.value === "string" && (v.type ?? "PLAINTEXT") === "PLAINTEXT")
      env.set(v.name, v.value);
  }
  const removalId = env.get(REMOVAL_ENV.runId);
  const stage: StageKey = {
    account: env.get(REMOVAL_ENV.account) ?? "",
    region: env.get(REMOVAL_ENV.region) ?? "",
    app: env.get(REMOVAL_ENV.app) ?? "",
    stage: env.get(REMOVAL_ENV.stage) ?? "",
  };
  const link = info.logs?.["deep-link"];
  return {
    buildId,
    project,
    status,
    ...(removalId && /^[A-Za-z0-9-]{1,64}$/.test(removalId) ? { removalId } : {}),
    ...(isValidStageKey(stage) ? { stage } : {}),
    ...(typeof link === "string" && link ? { logUrl: link } : {}),
  };
}

export interface BuildEventResult {
  action: "ignored" | "in-progress" | "duplicate" | "recorded";
  buildId?: string;
  status?: string;
  outcome?: AppliedOutcome;
  reason: string;
}

/**
 * Handles one build state-change event: on a final status, reads the build's outcome record from the ledger
 * bucket and records it (or, without one, records `failed` with the build's status). EventBridge delivers at
 * least once and in any order: duplicates are dropped by (build id, status) in `seen` when given (one Lambda
 * container's memory) and, whatever reaches the ledger, by recordOutcome's idempotency; an IN_PROGRESS event
 * after the final one changes nothing.
 */
export async function handleBuildEvent(
  deps: OutcomeDeps & { seen?: Set<string> },
  event: unknown,
): Promise<BuildEventResult> {
  const parsed = parseBuildEvent(event);
  if (!parsed) return { action: "ignored", reason: "not a CodeBuild build state change" };
  const { buildId, status } = parsed;
  const project = deps.config.removal?.project;
  if (project && parsed.project !== project) {
    return {
      action: "ignored",
      buildId,
      status,
      reason: `build of project ${parsed.project}, not ${project}`,
    };
  }
  if (!parsed.removalId || !parsed.stage) {
    return { action: "ignored", buildId, status, reason: "the build carries no valid removal environment" };
  }
  if (!isFinalBuildStatus(status))
    return { action: "in-progress", buildId, status, reason: `build is ${status}` };
  const dedupe = `${buildId}|${status}`;
  if (deps.seen?.has(dedupe))
    return { action: "duplicate", buildId, status, reason: "event already handled" };
  const outcome = await outcomeOfBuild(deps.store, {
    removalId: parsed.removalId,
    buildId,
    buildStatus: status,
    stage: parsed.stage,
    ...(parsed.logUrl ? { logUrl: parsed.logUrl } : {}),
  });
  const applied = await recordOutcome(deps, outcome, {
    surface: "build",
    by: buildId,
    detail: `build ${status}`,
  });
  deps.seen?.add(dedupe);
  return {
    action: applied.applied ? "recorded" : "duplicate",
    buildId,
    status,
    outcome: applied,
    reason: applied.reason,
  };
}

/**
 * The outcome of a finished build: its outcome record from the ledger bucket when there is one that matches
 * the build's stage and removal, else the build's status.
 */
export async function outcomeOfBuild(store: LedgerStore, build: BuildStatusOutcome): Promise<OutcomeInput> {
  let record: OutcomeRecord | undefined;
  let detail: string | undefined;
  try {
    record = (await store.get(outcomeKey(build.removalId), outcomeRecordSchema))?.value;
  } catch (error) {
    if (error instanceof SyntaxError || (error instanceof Error && error.message.includes("is not valid"))) {
      detail = "the outcome record is unreadable";
    } else throw error;
  }
  if (record) {
    const key = build.stage;
    const same =
      record.removalId === build.removalId &&
      record.account === key.account &&
      record.region === key.region &&
      record.app === key.app &&
      record.stage === key.stage;
    if (same) {
      return {
        ...record,
        buildId: record.buildId || build.buildId,
        ...(build.logUrl ? { logUrl: build.logUrl } : {}),
      };
    }
    detail = "the outcome record names another stage or removal";
  }
  return { ...build, ...(detail ? { detail } : {}) };
}
