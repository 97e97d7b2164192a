import { z } from "zod";
import { OUTCOMES, type RemovalOutcome } from "../removal/contract.js";
import { type StageKey, stageId } from "../stage/key.js";

const time = z.iso.datetime({ offset: true });

/** Who or what asked for an action: it goes into every audit entry. */
export const triggerSchema = z.strictObject({
  surface: z.enum(["schedule", "cli", "slack", "github", "build"]),
  by: z.string().max(200),
  detail: z.string().max(500).optional(),
});
export type Trigger = z.infer<typeof triggerSchema>;

export { OUTCOMES };
export type Outcome = RemovalOutcome;

export const attemptSchema = z.strictObject({
  removalId: z.string(),
  attempt: z.number().int().min(1),
  trigger: triggerSchema,
  claimedAt: time,
  /** Set by the worker just before StartBuild, so a crash after it can look the build up instead of starting another. */
  startingAt: time.optional(),
  buildId: z.string().optional(),
  logUrl: z.string().optional(),
  outcome: z.enum(OUTCOMES).optional(),
  finishedAt: time.optional(),
  message: z.string().max(4000).optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/**
 * One record per stage: the warning of the current cycle, the keep-until override and the removal claim live
 * in the same object, so a keep and a claim written at once cannot both win.
 */
export const stageRecordSchema = z.strictObject({
  account: z.string(),
  region: z.string(),
  app: z.string(),
  stage: z.string(),
  firstSeenAt: time,
  warning: z.strictObject({ at: time, removeAt: time }).optional(),
  keep: z
    .strictObject({ until: time, by: z.string(), reason: z.string().max(500).optional(), at: time })
    .optional(),
  /** The removal in flight; cleared when its outcome is recorded. */
  claim: z.string().optional(),
  attempts: z.array(attemptSchema).default([]),
  status: z.enum(["active", "removing", "removed", "failed", "protected"]).default("active"),
  /** After a retryable failure or a lock: not before then. */
  retryAt: time.optional(),
});
export type StageRecord = z.infer<typeof stageRecordSchema>;

export function recordKey(key: StageKey): string {
  return `stages/${stageId(key)}.json`;
}

export function newRecord(key: StageKey, now: Date): StageRecord {
  return {
    account: key.account,
    region: key.region,
    app: key.app,
    stage: key.stage,
    firstSeenAt: now.toISOString(),
    attempts: [],
    status: "active",
  };
}

export function currentAttempt(record: StageRecord): Attempt | undefined {
  return record.claim ? record.attempts.find((a) => a.removalId === record.claim) : undefined;
}

export function activeKeep(record: StageRecord | undefined, now: Date): StageRecord["keep"] | undefined {
  return record?.keep && new Date(record.keep.until) > now ? record.keep : undefined;
}
