import { LATEST_RUN, runSnapshotSchema } from "../ledger/runs.js";
import { type ParsedRun, parseRun, type RunStage } from "../ledger/snapshot.js";
import type { LedgerStore } from "../ledger/store.js";
import { type Money, scaleMoney } from "../money/index.js";
import { type StageKey, stageId } from "../stage/key.js";

/** The parsed latest snapshot per ledger, with the ETag it was read at: a warm function parses it once a run. */
const cache = new WeakMap<LedgerStore, { etag: string; snapshot: ParsedRun }>();

const bare = (etag: string | undefined) => (etag ?? "").replace(/^W\//, "").replace(/"/g, "");

/**
 * The latest run as Slack needs it. The snapshot holds every stage's daily costs (megabytes for thousands of
 * stages), so a warm function keeps the parsed copy and asks only for its ETag (one small list request)
 * before each use; it reads and parses again only when a new run has replaced it.
 */
export async function readSnapshot(store: LedgerStore): Promise<ParsedRun | undefined> {
  const listed = (await store.list(LATEST_RUN)).find((l) => l.key === LATEST_RUN);
  if (!listed) return undefined;
  const cached = cache.get(store);
  if (cached && listed.etag && bare(listed.etag) === cached.etag) return cached.snapshot;
  const read = await store.get(LATEST_RUN, runSnapshotSchema);
  if (!read) return undefined;
  // Slack answers from the stages it can read, with totals only; the report says when a snapshot is unreadable.
  const snapshot = parseRun(read.value, { daily: false });
  cache.set(store, { etag: bare(read.etag), snapshot });
  return snapshot;
}

export function findStage(stages: readonly RunStage[], key: StageKey): RunStage | undefined {
  const id = stageId(key);
  return stages.find((s) => stageId(s) === id);
}

/** What the stage costs per month at its 7-day run rate (30 days). */
export function monthlyRate(cost: { last7Days: Money }): Money {
  return scaleMoney(cost.last7Days, 30n, 7n);
}
