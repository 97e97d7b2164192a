import { audit } from "../ledger/audit.js";
import {
  newRecord,
  recordKey,
  type StageRecord,
  stageRecordSchema,
  type Trigger,
} from "../ledger/records.js";
import { latestRun, readRecords, saveRun } from "../ledger/runs.js";
import type { LedgerStore } from "../ledger/store.js";
import { decide, type Plan, type PlannedStage, planToJson } from "../plan/index.js";
import { BLOCKING_SOURCES, countedWarning, describeFailure, type KeepOverride } from "../policy/index.js";
import { claimAndQueue } from "../removal/claim.js";
import { passGate } from "../removal/gate.js";
import { overlayRecords } from "../removal/overlay.js";
import { stageId } from "../stage/key.js";
import { survey } from "../survey/index.js";
import { type Environment, ledgerOf, removalQueueOf } from "./environment.js";
import { dropGuard } from "./guard.js";

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
}

const SCHEDULE: Trigger = { surface: "schedule", by: "daily run" };

/** The daily job: survey → plan → warn → remove through the gate → record. */
export async function runDaily(options: RunOptions): Promise<RunReport> {
  const { config, now } = options;
  const facts = await survey(config, options);
  if (!config.ledger) {
    const plan = decide({ ...facts, config, now });
    return {
      plan,
      dryRun: config.dryRun,
      suspended: "no ledger bucket is configured",
      warned: [],
      started: [],
      wouldRemove: [],
      refused: [],
    };
  }
  const store = ledgerOf(options);
  const records = new Map<string, StageRecord>();
  for (const { value } of (await readRecords(store)).values()) records.set(stageId(value), value);
  const overrides = new Map<string, KeepOverride>();
  const warned = new Map<string, Date>();
  for (const [id, record] of records) {
    if (record.keep)
      overrides.set(id, {
        until: new Date(record.keep.until),
        by: record.keep.by,
        ...(record.keep.reason ? { reason: record.keep.reason } : {}),
      });
    if (record.warning) warned.set(id, new Date(record.warning.at));
  }
  const plan = overlayRecords(decide({ ...facts, overrides, warned, config, now }), records);
  const previous = await latestRun(store);
  const liveStages = facts.facts.filter((f) => f.live).length;
  const report: RunReport = {
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
    const override = overrides.get(id);
    if (countedWarning(stage, override, warned.get(id))) continue;
    await warn(store, stage, now, config.dryRun);
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
  } else if (config.removal) {
    const queue = config.dryRun ? undefined : await removalQueueOf(options);
    const targets = new Map(facts.targets.map((t) => [t.account, t]));
    for (const stage of due) {
      const gateDeps = { store, config, now, target: (account: string) => targets.get(account) };
      const request = {
        key: stage,
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
  }

  await saveRun(store, {
    at: now.toISOString(),
    dryRun: config.dryRun,
    liveStages,
    ...(suspended ? { suspended } : {}),
    plan: planToJson(plan) as unknown as { stages: unknown[] },
    actions: {
      warned: report.warned.map(stageId),
      started: report.started.map((s) => ({ stage: stageId(s.stage), removalId: s.removalId })),
      wouldRemove: report.wouldRemove.map(stageId),
      refused: report.refused.map((r) => ({ stage: stageId(r.stage), reason: r.reason })),
    },
  });
  return report;
}

/** Records the warning once per expiry cycle; in dry run it only goes to the audit log. */
async function warn(store: LedgerStore, stage: PlannedStage, now: Date, dryRun: boolean): Promise<void> {
  const removeAt = (stage.removeAt ?? now).toISOString();
  const reason = stage.reason;
  if (dryRun) {
    await audit(store, {
      action: "would-warn",
      reason,
      trigger: SCHEDULE,
      stage,
      ...(stage.cost ? { cost: stage.cost } : {}),
      now,
    });
    return;
  }
  await store.update(
    recordKey(stage),
    stageRecordSchema,
    (current): StageRecord => ({
      ...(current ?? newRecord(stage, now)),
      warning: { at: now.toISOString(), removeAt },
    }),
  );
  await audit(store, {
    action: "warned",
    reason,
    trigger: SCHEDULE,
    stage,
    ...(stage.cost ? { cost: stage.cost } : {}),
    now,
  });
}
