import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { describeError } from "../aws/clients.js";
import { type Listed, listAll } from "../aws/objects.js";
import type { Malformed, SourceFailure, StageFacts } from "../stage/facts.js";
import { findStateBucket } from "./bucket.js";
import { pairKey, parseStateKey } from "./keys.js";
import { emptyStats, type RegionMemory, type ScanStats } from "./memory.js";
import { MalformedFile, readStage, stateReader } from "./read.js";

export interface RegionScan {
  stages: StageFacts[];
  /** Every (app, stage) with an `app/` key, parsed or not: such a stage is never an orphan. */
  known: Set<string>;
  malformed: Malformed[];
  failures: SourceFailure[];
  /** What the scan learned, for the next one; absent when some read failed (keep the older memory then). */
  memory?: RegionMemory;
  stats: ScanStats;
}

type Run = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Reads one region's SST state: bootstrap parameter → state bucket → one paginated listing each of `app/`,
 * `update/` and `lock/` → each stage's checkpoint and newest update record, and each lock. A file listed with
 * the ETag `previous` remembers is not downloaded again.
 */
export async function scanRegion(
  at: { account: string; region: string; s3: S3Client; ssm: SSMClient },
  run: Run,
  previous?: RegionMemory,
): Promise<RegionScan> {
  const scan: RegionScan = { stages: [], known: new Set(), malformed: [], failures: [], stats: emptyStats() };
  const fail = (source: SourceFailure["source"], error: unknown) =>
    scan.failures.push({ source, account: at.account, region: at.region, message: describeError(error) });
  const malformed = (location: string, problem: string) =>
    scan.malformed.push({ account: at.account, region: at.region, location, problem });

  let bucket: string | undefined;
  try {
    bucket = await run(() => findStateBucket(at.ssm));
  } catch (error) {
    fail("bootstrap", error);
    return scan;
  }
  if (!bucket) return scan;
  const state = bucket;
  const [apps, updates, locks] = await Promise.allSettled([
    run(() => listAll(at.s3, state, "app/")),
    run(() => listAll(at.s3, state, "update/")),
    run(() => listAll(at.s3, state, "lock/")),
  ]);
  if (apps.status === "rejected") {
    fail("state", apps.reason);
    return scan;
  }
  if (updates.status === "rejected") fail("state", updates.reason);
  if (locks.status === "rejected") fail("lock", locks.reason);

  const newest = newestUpdates(updates.status === "fulfilled" ? updates.value : [], state, malformed);
  const lockKeys = new Map<string, string>();
  for (const listed of locks.status === "fulfilled" ? locks.value : []) {
    const parsed = parseStateKey("lock", listed.key);
    if ("malformed" in parsed) malformed(`s3://${state}/${listed.key}`, parsed.malformed);
    else lockKeys.set(pairKey(parsed.app, parsed.stage), listed.key);
  }

  const reader = stateReader({ ...at, bucket: state, run }, previous);
  await Promise.all(
    apps.value.map(async (listed) => {
      const location = `s3://${state}/${listed.key}`;
      const parsed = parseStateKey("app", listed.key);
      if ("malformed" in parsed) return malformed(location, parsed.malformed);
      const pair = pairKey(parsed.app, parsed.stage);
      scan.known.add(pair);
      try {
        scan.stages.push(await readStage(reader, parsed, listed, newest.get(pair), lockKeys.get(pair)));
      } catch (error) {
        if (error instanceof MalformedFile) {
          malformed(location, error.message);
        } else {
          fail("state", new Error(`${location}: ${describeError(error)}`));
        }
      }
    }),
  );
  scan.stats = reader.stats;
  if (scan.failures.length === 0) scan.memory = reader.learned;
  return scan;
}

/** Update ids sort newest first, so the first key listed per stage is its latest update. */
function newestUpdates(
  listed: Listed[],
  bucket: string,
  malformed: (location: string, problem: string) => void,
): Map<string, Listed> {
  const newest = new Map<string, Listed>();
  for (const entry of listed) {
    const parsed = parseStateKey("update", entry.key);
    if ("malformed" in parsed) {
      malformed(`s3://${bucket}/${entry.key}`, parsed.malformed);
      continue;
    }
    const pair = pairKey(parsed.app, parsed.stage);
    if (!newest.has(pair)) newest.set(pair, entry);
  }
  return newest;
}
