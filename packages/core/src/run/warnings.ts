import { audit } from "../ledger/audit.js";
import {
  newRecord,
  recordKey,
  type StageRecord,
  stageRecordSchema,
  type Trigger,
} from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import type { PlannedStage } from "../plan/index.js";

/**
 * Records a stage's warning once per expiry cycle, with the removal time people were told. In dry run nothing
 * is recorded, only "would warn" audited: turning dry run off starts every warning afresh.
 */
export async function warnStage(
  store: LedgerStore,
  stage: PlannedStage,
  context: { now: Date; dryRun: boolean; trigger: Trigger },
): Promise<void> {
  const { now, dryRun, trigger } = context;
  const entry = { reason: stage.reason, trigger, stage, ...(stage.cost ? { cost: stage.cost } : {}), now };
  if (dryRun) {
    await audit(store, { action: "would-warn", ...entry });
    return;
  }
  const removeAt = (stage.removeAt ?? now).toISOString();
  await store.update(
    recordKey(stage),
    stageRecordSchema,
    (current): StageRecord => ({
      ...(current ?? newRecord(stage, now)),
      warning: { at: now.toISOString(), removeAt },
    }),
  );
  await audit(store, { action: "warned", ...entry });
}
