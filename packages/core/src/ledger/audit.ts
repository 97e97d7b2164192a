import { randomUUID } from "node:crypto";
import { z } from "zod";
import { moneyToString } from "../money/index.js";
import type { StageCost } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";
import { type Trigger, triggerSchema } from "./records.js";
import type { LedgerStore } from "./store.js";

export const AUDIT_ACTIONS = [
  "would-warn",
  "warned",
  "would-remove",
  "claimed",
  "refused",
  "removal-started",
  "removal-deferred",
  "removal-queued",
  "removed",
  "not-found",
  "protected",
  /** A stage refused as protected, redeployed since without protect: its policy applies again. */
  "unprotected",
  "locked",
  "mismatch",
  "failed",
  "kept",
  "unkept",
  "suspended",
] as const;

export const auditEntrySchema = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  action: z.enum(AUDIT_ACTIONS),
  account: z.string().optional(),
  region: z.string().optional(),
  app: z.string().optional(),
  stage: z.string().optional(),
  reason: z.string().max(2000),
  trigger: triggerSchema,
  removalId: z.string().optional(),
  /** What the stage cost when the action was taken: exact decimal strings. */
  cost: z.strictObject({ last7Days: z.string(), monthToDate: z.string() }).optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/**
 * Appends one entry. Each entry is its own object, created with If-None-Match: *, so no entry can ever be
 * overwritten: the log is append-only by construction. Keys sort by time.
 */
export async function audit(
  store: LedgerStore,
  entry: {
    action: AuditEntry["action"];
    reason: string;
    trigger: Trigger;
    stage?: StageKey;
    removalId?: string;
    cost?: StageCost;
    now: Date;
  },
): Promise<void> {
  const at = entry.now.toISOString();
  const value: AuditEntry = {
    at,
    action: entry.action,
    // Only the key: callers may hand in a whole planned stage.
    ...(entry.stage
      ? {
          account: entry.stage.account,
          region: entry.stage.region,
          app: entry.stage.app,
          stage: entry.stage.stage,
        }
      : {}),
    reason: entry.reason,
    trigger: entry.trigger,
    ...(entry.removalId ? { removalId: entry.removalId } : {}),
    ...(entry.cost
      ? {
          cost: {
            last7Days: moneyToString(entry.cost.last7Days),
            monthToDate: moneyToString(entry.cost.monthToDate),
          },
        }
      : {}),
  };
  const key = `audit/${at.slice(0, 10)}/${at}-${randomUUID().slice(0, 8)}.json`;
  if ((await store.put(key, value, undefined)) === false)
    throw new Error(`audit entry ${key} already exists`);
}

/** The entries of one UTC day, oldest first. */
export async function readAudit(store: LedgerStore, day: string): Promise<AuditEntry[]> {
  const listed = await store.list(`audit/${day}/`);
  const entries = await Promise.all(listed.map((l) => store.get(l.key, auditEntrySchema)));
  return entries.flatMap((e) => (e ? [e.value] : []));
}
