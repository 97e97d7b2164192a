import { BatchGetBuildsCommand, type Build } from "@aws-sdk/client-codebuild";
import { currentAttempt, type StageRecord } from "../ledger/records.js";
import { readRecords } from "../ledger/runs.js";
import type { LedgerStore } from "../ledger/store.js";
import type { StageKey } from "../stage/key.js";
import { keyOf } from "../stage/key.js";
import { type AppliedOutcome, isFinalBuildStatus, outcomeOfBuild, recordOutcome } from "./outcomes.js";
import type { RemovalRequest } from "./request.js";
import { processRemoval, type WorkerDeps, type WorkerResult } from "./worker.js";

/** A claim with no build this long after it was taken (or last tried) is started again. */
export const RESTART_AFTER_MS = 10 * 60_000;
/** BatchGetBuilds takes at most 100 ids. */
const BATCH = 100;

export interface ReconcileReport {
  /** Builds looked up with BatchGetBuilds. */
  checked: number;
  /** Finished builds whose outcome had not been recorded (their event never came). */
  recorded: AppliedOutcome[];
  /** Builds still running. */
  running: { removalId: string; buildId: string; stage: StageKey }[];
  /** Claims without a build, handed to the worker again (it starts each at most once). */
  restarted: WorkerResult[];
  /** Claims without a build, put on the removal queue again (with `options.requeue`). */
  requeued: { removalId: string; stage: StageKey }[];
  /** Claims without a build, too recent to restart (the worker may be on them right now). */
  waiting: { removalId: string; stage: StageKey; since: string }[];
}

/**
 * For the next daily run: settles every removal in flight whose news never arrived. A claim with a build and no
 * outcome is looked up (BatchGetBuilds, 100 ids a call) and, when finished, its outcome recorded from the
 * outcome record or else the build's status. A claim without a build older than 10 minutes (a lost message, a
 * crash between claim and StartBuild, AccountLimitExceeded) goes to processRemoval again, which starts it at
 * most once thanks to `startingAt`, the build look-up and the idempotency token.
 *
 * With `options.requeue` (the daily Lambda, which holds no codebuild:StartBuild), such claims go back on the
 * removal queue instead, for the worker; only BatchGetBuilds is called here then.
 */
export async function reconcileRemovals(
  deps: WorkerDeps,
  records: StageRecord[],
  options: { requeue?: (request: RemovalRequest) => Promise<void> } = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    checked: 0,
    recorded: [],
    running: [],
    restarted: [],
    requeued: [],
    waiting: [],
  };
  const withBuild: { record: StageRecord; removalId: string; buildId: string }[] = [];
  const withoutBuild: { record: StageRecord; removalId: string; since: string }[] = [];
  for (const record of records) {
    const attempt = currentAttempt(record);
    if (!attempt || attempt.outcome) continue;
    if (attempt.buildId) withBuild.push({ record, removalId: attempt.removalId, buildId: attempt.buildId });
    else
      withoutBuild.push({
        record,
        removalId: attempt.removalId,
        since: attempt.startingAt ?? attempt.claimedAt,
      });
  }

  for (let i = 0; i < withBuild.length; i += BATCH) {
    const chunk = withBuild.slice(i, i + BATCH);
    const ids = [...new Set(chunk.map((c) => c.buildId))];
    const { builds = [], buildsNotFound = [] } = await deps.codebuild.send(
      new BatchGetBuildsCommand({ ids }),
    );
    report.checked += ids.length;
    const byId = new Map<string, Build>(builds.flatMap((b) => (b.id ? [[b.id, b] as const] : [])));
    const missing = new Set(buildsNotFound);
    for (const { record, removalId, buildId } of chunk) {
      const stage = keyOf(record);
      const build = byId.get(buildId);
      if (!build && !missing.has(buildId)) continue;
      const status = build ? (build.buildStatus ?? "IN_PROGRESS") : "NOT_FOUND";
      if (build && !(build.buildComplete || isFinalBuildStatus(status))) {
        report.running.push({ removalId, buildId, stage });
        continue;
      }
      const logUrl = build?.logs?.deepLink;
      const outcome = build
        ? await outcomeOfBuild(deps.store, {
            removalId,
            buildId,
            buildStatus: status,
            stage,
            ...(logUrl ? { logUrl } : {}),
          })
        : { removalId, buildId, buildStatus: status, stage, detail: "CodeBuild does not know the build" };
      report.recorded.push(
        await recordOutcome(deps, outcome, {
          surface: "schedule",
          by: "reconcile",
          detail: `build ${buildId} ${status}`,
        }),
      );
    }
  }

  for (const { record, removalId, since } of withoutBuild) {
    const stage = keyOf(record);
    if (deps.now.getTime() - new Date(since).getTime() < RESTART_AFTER_MS) {
      report.waiting.push({ removalId, stage, since });
      continue;
    }
    if (options.requeue) {
      await options.requeue({ removalId, ...stage });
      report.requeued.push({ removalId, stage });
    } else {
      report.restarted.push(await processRemoval(deps, { removalId, ...stage }));
    }
  }
  return report;
}

/** Every stage record with a removal in flight (for reconcile and `stagekeeper status`). */
export async function claimedRecords(store: LedgerStore): Promise<StageRecord[]> {
  return [...(await readRecords(store)).values()].flatMap((r) => (r.value.claim ? [r.value] : []));
}
