import { formatTime } from "../policy/index.js";
import { keyOf, type StageKey, stageId } from "../stage/key.js";
import { audit } from "./audit.js";
import {
  activeKeep,
  newRecord,
  recordKey,
  type StageRecord,
  stageRecordSchema,
  type Trigger,
} from "./records.js";
import type { LedgerStore } from "./store.js";

const DAY_MS = 24 * 3_600_000;
/**
 * A keep asked for again within this of the current one changes nothing: a double click on "Keep 7 days" a
 * second later asks for a keep a second longer, which is the same keep.
 */
export const KEEP_TOLERANCE_MS = 5 * 60_000;

export interface KeepRequest {
  key: StageKey;
  until: Date;
  /** Who keeps it (a Slack user id, a CLI user): shown in the plan's reason and the audit log. */
  by: string;
  reason?: string;
  trigger: Trigger;
  now: Date;
  /** `config.maxKeepDays`. */
  maxKeepDays: number;
}

export type Keep = NonNullable<StageRecord["keep"]>;

export type KeepResult =
  | { outcome: "kept"; keep: Keep }
  /** An active keep already lasts as long (or longer): a keep never shortens another. */
  | { outcome: "unchanged"; keep: Keep }
  | { outcome: "refused"; reason: string };

/**
 * Sets keep-until on the stage's ledger record with a conditional write: the same record holds the removal
 * claim, so a keep and a claim written at once cannot both win. A stage already being removed is not kept:
 * the keep could not stop the build. Audited as "kept".
 */
export async function keepStage(store: LedgerStore, request: KeepRequest): Promise<KeepResult> {
  const { until, now } = request;
  const key = keyOf(request.key);
  const id = stageId(key);
  if (until.getTime() <= now.getTime()) return refused(`${formatTime(until)} is not in the future`);
  if (until.getTime() > now.getTime() + request.maxKeepDays * DAY_MS) {
    return refused(
      `a keep lasts at most ${request.maxKeepDays} days (until ${formatTime(new Date(now.getTime() + request.maxKeepDays * DAY_MS))})`,
    );
  }
  const keep: Keep = {
    until: until.toISOString(),
    by: request.by,
    ...(request.reason ? { reason: request.reason.slice(0, 500) } : {}),
    at: now.toISOString(),
  };
  let result = { outcome: "kept", keep } as KeepResult;
  await store.update(recordKey(key), stageRecordSchema, (current): StageRecord | undefined => {
    const record = current ?? newRecord(key, now);
    if (record.claim) {
      result = refused(`${id} is already being removed (removal ${record.claim}); a keep cannot stop it`);
      return undefined;
    }
    const active = activeKeep(record, now);
    if (active && new Date(active.until).getTime() >= until.getTime() - KEEP_TOLERANCE_MS) {
      result = { outcome: "unchanged", keep: active };
      return undefined;
    }
    result = { outcome: "kept", keep };
    return { ...record, keep };
  });
  if (result.outcome === "kept") {
    await audit(store, {
      action: "kept",
      reason:
        `kept until ${formatTime(until)} by ${request.by}${request.reason ? `: ${request.reason}` : ""}`.slice(
          0,
          2000,
        ),
      trigger: request.trigger,
      stage: key,
      now,
    });
  }
  return result;
}

export type UnkeepResult = { outcome: "unkept"; previous: Keep } | { outcome: "not-kept" };

/** Ends an active keep (the stage's own policy applies again). Audited as "unkept". */
export async function unkeepStage(
  store: LedgerStore,
  request: { key: StageKey; trigger: Trigger; now: Date },
): Promise<UnkeepResult> {
  const key = keyOf(request.key);
  let result = { outcome: "not-kept" } as UnkeepResult;
  await store.update(recordKey(key), stageRecordSchema, (current): StageRecord | undefined => {
    const active = current ? activeKeep(current, request.now) : undefined;
    if (!current || !active) {
      result = { outcome: "not-kept" };
      return undefined;
    }
    result = { outcome: "unkept", previous: active };
    const { keep: _ended, ...rest } = current;
    return rest;
  });
  if (result.outcome === "unkept") {
    await audit(store, {
      action: "unkept",
      reason: `keep until ${formatTime(new Date(result.previous.until))} by ${result.previous.by} ended by ${request.trigger.by}`,
      trigger: request.trigger,
      stage: key,
      now: request.now,
    });
  }
  return result;
}

/** The stage's active keep, if any (one read). */
export async function readKeep(store: LedgerStore, key: StageKey, now: Date): Promise<Keep | undefined> {
  return activeKeep((await store.get(recordKey(key), stageRecordSchema))?.value, now);
}

function refused(reason: string): KeepResult {
  return { outcome: "refused", reason };
}
