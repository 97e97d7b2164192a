import { addDays, day } from "../cost/days.js";
import type { StageRecord } from "../ledger/records.js";
import { type RunSnapshot, runSnapshotSchema } from "../ledger/runs.js";
import { type ParsedRun, parseWholeRun } from "../ledger/snapshot.js";
import type { LedgerStore } from "../ledger/store.js";
import { type Money, sumMoney } from "../money/index.js";
import { type StageKey, stageId } from "../stage/key.js";

/** How far back the dashboard looks. */
export const HISTORY_DAYS = 90;
/** Snapshot reads allowed for the 90-day walk: each covers 7 to 31 days, so 16 always suffice. */
const MAX_WALK = 16;
const DAY_MS = 86_400_000;

export interface RunRef {
  key: string;
  at: Date;
}

/** Every run snapshot's key and time, oldest first, from the listing alone (keys are `runs/<iso>.json`). */
export async function listRuns(store: LedgerStore): Promise<RunRef[]> {
  const listed = await store.list("runs/");
  return listed
    .flatMap((l) => {
      const iso = /^runs\/(.+)\.json$/.exec(l.key)?.[1];
      const at = iso ? new Date(iso) : undefined;
      return at && !Number.isNaN(at.getTime()) ? [{ key: l.key, at }] : [];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The newest run strictly before `at`: the last digest's run. */
export function previousRun(runs: readonly RunRef[], at: Date): RunRef | undefined {
  return runs.filter((r) => r.at < at).at(-1);
}

/** The run nearest to 7 days before `at`, if one ran within a day of then. */
export function weekAgoRun(runs: readonly RunRef[], at: Date): RunRef | undefined {
  const target = at.getTime() - 7 * DAY_MS;
  const near = runs.filter((r) => Math.abs(r.at.getTime() - target) <= DAY_MS);
  return near.sort((a, b) => Math.abs(a.at.getTime() - target) - Math.abs(b.at.getTime() - target))[0];
}

/** Reads and parses snapshots by key, each once. */
export class SnapshotReader {
  private readonly cache = new Map<string, Promise<ParsedRun | undefined>>();
  constructor(private readonly store: LedgerStore) {}

  read(key: string): Promise<ParsedRun | undefined> {
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.store
        .get(key, runSnapshotSchema)
        .then((v) => (v ? parseWholeRun(v.value as RunSnapshot) : undefined));
      this.cache.set(key, hit);
    }
    return hit;
  }
}

/** Per stage id, per day: the newest observation wins (Cost Explorer revises recent days). */
export type StageSeries = Map<string, Map<string, Money>>;

function earliestDay(snapshot: ParsedRun): string | undefined {
  let earliest: string | undefined;
  for (const s of snapshot.stages)
    for (const d of s.cost?.daily ?? []) if (!earliest || d.date < earliest) earliest = d.date;
  return earliest;
}

/**
 * Daily cost per stage over up to `days` days, from as few snapshots as cover them: each snapshot carries its
 * stages' daily series (month to date, at least 7 days), so the walk goes back one snapshot per covered span.
 */
export async function stageSeries(
  reader: SnapshotReader,
  runs: readonly RunRef[],
  latest: ParsedRun,
  days = HISTORY_DAYS,
): Promise<StageSeries> {
  const series: StageSeries = new Map();
  const start = addDays(day(latest.at), -days);
  const add = (snapshot: ParsedRun) => {
    for (const stage of snapshot.stages) {
      const id = stageId(stage);
      const byDay = series.get(id) ?? new Map<string, Money>();
      for (const d of stage.cost?.daily ?? []) {
        if (d.date >= start && !byDay.has(d.date)) byDay.set(d.date, d.amount);
      }
      if (byDay.size > 0) series.set(id, byDay);
    }
  };
  add(latest);
  let covered = earliestDay(latest);
  for (let read = 0; covered && covered > start && read < MAX_WALK; read++) {
    // A run on day D holds days up to D-1: the newest run on or before `covered` reaches past it.
    const limit = covered;
    const next = runs.filter((r) => day(r.at) <= limit && r.at < latest.at).at(-1);
    const snapshot = next && (await reader.read(next.key));
    const earliest = snapshot && earliestDay(snapshot);
    if (!snapshot || !earliest || earliest >= covered) break;
    add(snapshot);
    covered = earliest;
  }
  return series;
}

/** Spend per app per day, oldest day first, for the days any stage has data. */
export function spendByApp(series: StageSeries): { dates: string[]; apps: Map<string, Map<string, Money>> } {
  const apps = new Map<string, Map<string, Money>>();
  const dates = new Set<string>();
  for (const [id, byDay] of series) {
    const app = id.split("/")[2] ?? "";
    const perApp = apps.get(app) ?? new Map<string, Money>();
    apps.set(app, perApp);
    for (const [date, amount] of byDay) {
      dates.add(date);
      perApp.set(date, (perApp.get(date) ?? 0n) + amount);
    }
  }
  return { dates: [...dates].sort(), apps };
}

export interface Removal extends StageKey {
  at: Date;
  outcome: "removed" | "not-found";
  removalId: string;
  by: string;
  /** The stage's 7-day cost before the removal, when the history has those days. */
  last7Days?: Money;
}

export interface FailedRemoval extends StageKey {
  at: Date;
  outcome: string;
  message: string;
  logUrl?: string;
}

/** Removal outcomes recorded on the stage records within the window, newest first. */
export function removalsFrom(
  records: Iterable<StageRecord>,
  series: StageSeries,
  since: Date,
): { removals: Removal[]; failed: FailedRemoval[] } {
  const removals: Removal[] = [];
  const failed: FailedRemoval[] = [];
  for (const record of records) {
    const key = { account: record.account, region: record.region, app: record.app, stage: record.stage };
    for (const attempt of record.attempts) {
      if (!attempt.outcome || !attempt.finishedAt) continue;
      const at = new Date(attempt.finishedAt);
      if (at < since) continue;
      if (attempt.outcome === "removed" || attempt.outcome === "not-found") {
        const last7Days = weekBefore(series.get(stageId(key)), day(at));
        removals.push({
          ...key,
          at,
          outcome: attempt.outcome,
          removalId: attempt.removalId,
          by: `${attempt.trigger.surface}: ${attempt.trigger.by}`,
          ...(last7Days !== undefined ? { last7Days } : {}),
        });
      } else if (attempt.outcome === "failed" || attempt.outcome === "mismatch") {
        failed.push({
          ...key,
          at,
          outcome: attempt.outcome,
          message: attempt.message ?? "",
          ...(attempt.logUrl ? { logUrl: attempt.logUrl } : {}),
        });
      }
    }
  }
  const newest = (a: { at: Date }, b: { at: Date }) => b.at.getTime() - a.at.getTime();
  return { removals: removals.sort(newest), failed: failed.sort(newest) };
}

/** The 7 days before `removedOn`; undefined when none of them is known. */
function weekBefore(byDay: Map<string, Money> | undefined, removedOn: string): Money | undefined {
  if (!byDay) return undefined;
  const amounts = [1, 2, 3, 4, 5, 6, 7].flatMap((n) => {
    const amount = byDay.get(addDays(removedOn, -n));
    return amount === undefined ? [] : [amount];
  });
  return amounts.length > 0 ? sumMoney(amounts) : undefined;
}
