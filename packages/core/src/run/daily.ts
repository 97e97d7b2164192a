import { fixedTargets } from "../aws/targets.js";
import { githubDeps } from "../github/deps.js";
import { duePendingRemovals } from "../github/pending.js";
import { pullRequestStates } from "../github/pulls.js";
import { audit } from "../ledger/audit.js";
import type { StageRecord, Trigger } from "../ledger/records.js";
import { latestRun, type RunSnapshot, readRecords, saveRun } from "../ledger/runs.js";
import { decide, type Plan, type PlannedStage } from "../plan/index.js";
import { BLOCKING_SOURCES, countedWarning, describeFailure, type KeepOverride } from "../policy/index.js";
import { claimAndQueue } from "../removal/claim.js";
import { passGate } from "../removal/gate.js";
import { overlayRecords } from "../removal/overlay.js";
import { releaseProtection } from "../removal/protection.js";
import { publishReport, type ReportDelivery, snapshotOfRun } from "../report/report.js";
import { keyOf, stageId } from "../stage/key.js";
import { survey } from "../survey/index.js";
import { type Environment, ledgerOf, removalQueueOf } from "./environment.js";
import { dropGuard } from "./guard.js";
import { warnStage } from "./warnings.js";

export interface RunOptions extends Environment {
  progress?: (message: string) => void;
}

export interface RunReport {
  plan: Plan;
  dryRun: boolean;
  /** Why no removal started this run, when none could. */
  suspended?: string;
  /** Warned now (or, in dry run, would have been). */
  warned: PlannedStage[];
  started: { stage: PlannedStage; removalId: string }[];
  /** Dry run: what would have been removed. */
  wouldRemove: PlannedStage[];
  refused: { stage: PlannedStage; reason: string }[];
  /** What the run saved in the ledger (or would have, without one): what the report is made from. */
  snapshot: RunSnapshot;
  /** The digest and the dashboard, and what failed while reporting (which never fails the run). */
  reported?: ReportDelivery;
}

/** The daily job and its report: the digest in Slack, the dashboard in the ledger bucket. */
export async function runDailyAndReport(options: RunOptions): Promise<RunReport> {
  const report = await runDaily(options);
  report.reported = await publishReport(report.snapshot, options);
  return report;
}

const SCHEDULE: Trigger = { surface: "schedule", by: "daily run" };

/** The daily job: survey → plan → warn → remove through the gate → record. */
export async function runDaily(options: RunOptions): Promise<RunReport> {
  const { config, now } = options;
  const store = config.ledger ? ledgerOf(options) : undefined;
  // The ledger also remembers what unchanged state files and final cost days said: only changes are read.
  const facts = await survey(config, { ...options, ...(store ? { cache: store } : {}) });
  const pulls = await pullRequestStates(
    { config },
    facts.facts.filter((f) => f.live),
  );
  const failures = [...facts.failures, ...pulls.failures];
  if (!store) {
    const plan = decide({ ...facts, failures, prs: pulls.prs, config, now });
    const bare = { plan, dryRun: config.dryRun, suspended: "no ledger bucket is configured" };
    const empty = { warned: [], started: [], wouldRemove: [], refused: [] };
    return { ...bare, ...empty, snapshot: snapshotOfRun({ ...bare, ...empty }) };
  }
  const records = new Map<string, StageRecord>();
  for (const { value } of (await readRecords(store)).values()) records.set(stageId(value), value);
  // A stage that `sst remove` refused as protected is released once the team redeployed it without protect.
  await releaseProtection(store, records, facts.facts, { now, dryRun: config.dryRun, trigger: SCHEDULE });
  const { overrides, warned } = ledgerInputs(records);
  const plan = overlayRecords(
    decide({ ...facts, failures, prs: pulls.prs, overrides, warned, config, now }),
    records,
  );
  const previous = await latestRun(store);
  const liveStages = facts.facts.filter((f) => f.live).length;
  const report: Omit<RunReport, "snapshot"> = {
    plan,
    dryRun: config.dryRun,
    warned: [],
    started: [],
    wouldRemove: [],
    refused: [],
  };

  const blocking = plan.failures.find((f) => BLOCKING_SOURCES.has(f.source));
  const suspended = blocking
    ? `a source could not be read (${describeFailure(blocking)})`
    : !config.removal
      ? "no removal project is configured"
      : dropGuard(liveStages, previous, records, config.dropGuardPercent);
  if (suspended) report.suspended = suspended;

  for (const stage of plan.stages.filter((s) => s.decision === "expiring")) {
    const id = stageId(stage);
    if (countedWarning(stage, overrides.get(id), warned.get(id))) continue;
    await warnStage(store, stage, { now, dryRun: config.dryRun, trigger: SCHEDULE });
    report.warned.push(stage);
  }

  const due = plan.stages.filter((s) => s.decision === "remove");
  if (suspended && due.length > 0) {
    await audit(store, {
      action: "suspended",
      reason: `removals suspended: ${suspended}`,
      trigger: SCHEDULE,
      now,
    });
  } else if (!suspended) {
    const queue = config.dryRun ? undefined : await removalQueueOf(options);
    const targets = new Map(facts.targets.map((t) => [t.account, t]));
    const gateDeps = { store, config, now, target: (account: string) => targets.get(account) };
    for (const stage of due) {
      const request = {
        key: keyOf(stage),
        trigger: SCHEDULE,
        intent: {
          kind: "expired" as const,
          ...(stage.lastDeployedAt ? { plannedDeployAt: stage.lastDeployedAt } : {}),
        },
        ...(stage.cost ? { cost: stage.cost } : {}),
      };
      const result = queue
        ? await claimAndQueue(gateDeps, request, queue)
        : await passGate(gateDeps, request);
      if (result.outcome === "dry-run") report.wouldRemove.push(stage);
      else if (result.outcome === "refused") report.refused.push({ stage, reason: result.reason });
      else report.started.push({ stage, removalId: result.removalId });
    }
    // Pull requests closed with a grace period whose grace ran out while no webhook re-check came.
    await duePendingRemovals(
      githubDeps({
        config,
        now,
        homeRegion: options.homeRegion,
        store,
        targets: fixedTargets(facts.targets),
      }),
    );
  }

  const snapshot = snapshotOfRun(report, liveStages);
  await saveRun(store, snapshot);
  return { ...report, snapshot };
}

/** Keep-until overrides (expired ones too: they void warnings sent before them) and warnings, by stage. */
function ledgerInputs(records: ReadonlyMap<string, StageRecord>) {
  const overrides = new Map<string, KeepOverride>();
  const warned = new Map<string, Date>();
  for (const [id, record] of records) {
    const { keep, warning } = record;
    if (keep)
      overrides.set(id, {
        until: new Date(keep.until),
        by: keep.by,
        ...(keep.reason ? { reason: keep.reason } : {}),
      });
    if (warning) warned.set(id, new Date(warning.at));
  }
  return { overrides, warned };
}
