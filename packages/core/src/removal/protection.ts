import { audit } from "../ledger/audit.js";
import { recordKey, type StageRecord, stageRecordSchema, type Trigger } from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import { formatTime } from "../policy/index.js";
import type { StageFacts } from "../stage/facts.js";
import { keyOf, type StageKey, stageId } from "../stage/key.js";

/**
 * Why a stage that `sst remove` refused as protected may be considered again, or undefined while it stays
 * protected. `sst remove` decides from the app's current sst.config.ts, which we cannot read; the checkpoint's
 * `_protect` is only what the last deploy evaluated, and it can be stale (false while the config protects).
 * So the refusal stands until the facts show a deploy after it whose checkpoint says `_protect === false`: the
 * team redeployed without protect. A newer update that is not a deploy (a failed remove, a refresh) proves
 * nothing, and a record without a dated protected outcome is never released.
 */
export function protectionLifted(record: StageRecord, facts: StageFacts): string | undefined {
  if (record.status !== "protected" || record.claim) return undefined;
  const refused = record.attempts.findLast((a) => a.outcome === "protected")?.finishedAt;
  if (!refused || !facts.live || facts.protect !== false || !facts.lastDeployedAt) return undefined;
  if (facts.lastCommand !== undefined && facts.lastCommand !== "deploy") return undefined;
  if (facts.lastDeployedAt.getTime() <= new Date(refused).getTime()) return undefined;
  return (
    `redeployed at ${formatTime(facts.lastDeployedAt)} without protect (its state records _protect: false), ` +
    `after sst remove refused it as protected at ${formatTime(new Date(refused))}; its policy applies again`
  );
}

/**
 * The daily run's part: each stage whose protection was lifted (protectionLifted) becomes `active` again with a
 * conditional write, audited as `unprotected` with the reason, and `records` (by stageId) is updated in place
 * so the plan sees it. In dry run nothing is written or audited; only `records` shows what would happen.
 */
export async function releaseProtection(
  store: LedgerStore,
  records: Map<string, StageRecord>,
  facts: readonly StageFacts[],
  context: { now: Date; dryRun: boolean; trigger: Trigger },
): Promise<StageKey[]> {
  const released: StageKey[] = [];
  for (const stage of facts) {
    const id = stageId(stage);
    const known = records.get(id);
    if (!known || !protectionLifted(known, stage)) continue;
    if (context.dryRun) {
      records.set(id, { ...known, status: "active" });
      continue;
    }
    let reason: string | undefined;
    const written = await store.update(
      recordKey(stage),
      stageRecordSchema,
      (current): StageRecord | undefined => {
        // Read again: a claim or another outcome may have landed since the run read the records.
        reason = current && protectionLifted(current, stage);
        return current && reason ? { ...current, status: "active" } : undefined;
      },
    );
    if (!reason || !written) continue;
    records.set(id, written.value);
    await audit(store, { action: "unprotected", reason, trigger: context.trigger, stage, now: context.now });
    released.push(keyOf(stage));
  }
  return released;
}
