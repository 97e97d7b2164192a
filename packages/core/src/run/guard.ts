import type { StageRecord } from "../ledger/records.js";
import type { RunSnapshot } from "../ledger/runs.js";

/**
 * A scan that suddenly sees far fewer live stages than the last run is more likely broken (a missing region,
 * a revoked role) than a sign that everything else expired: removals wait for a person. Stages we removed
 * ourselves since the last run do not count as missing.
 */
export function dropGuard(
  live: number,
  previous: RunSnapshot | undefined,
  records: ReadonlyMap<string, StageRecord>,
  percent: number,
): string | undefined {
  if (!previous || previous.liveStages === 0) return undefined;
  let removedSince = 0;
  for (const record of records.values()) {
    const last = record.attempts.at(-1);
    if (record.status === "removed" && last?.finishedAt && last.finishedAt > previous.at) removedSince++;
  }
  const expected = previous.liveStages - removedSince;
  const drop = expected > 0 ? ((expected - live) / expected) * 100 : 0;
  if (drop <= percent) return undefined;
  return `live stages fell from ${expected} to ${live} (${Math.round(drop)}%, more than ${percent}%) since the last run`;
}
