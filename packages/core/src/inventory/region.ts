import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { describeError } from "../aws/clients.js";
import { type Listed, listAll } from "../aws/objects.js";
import type { Gate } from "../aws/pace.js";
import type { Malformed, SourceFailure, StageFacts } from "../stage/facts.js";
import { findStateBucket } from "./bucket.js";
import { type CheckpointToRead, checkpointsFromUpdateLog, FULL_LISTING_MS } from "./changes.js";
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

/**
 * Reads one region's SST state: bootstrap parameter → state bucket → one paginated listing each of `update/`
 * and `lock/` → each stage's checkpoint and newest update record, and each lock. Which checkpoints exist comes
 * from a listing of `app/`, or, when a full listing is recent, from the update log and memory
 * (changes.ts). A file whose ETag memory knows is not downloaded again.
 */
export async function scanRegion(
  at: { account: string; region: string; s3: S3Client; ssm: SSMClient },
  gates: { reads: Gate; listings: Gate },
  options: { now: Date; previous?: RegionMemory | undefined },
): Promise<RegionScan> {
  const scan: RegionScan = { stages: [], known: new Set(), malformed: [], failures: [], stats: emptyStats() };
  const fail = (source: SourceFailure["source"], error: unknown) =>
    scan.failures.push({ source, account: at.account, region: at.region, message: describeError(error) });
  const malformed = (location: string, problem: string) =>
    scan.malformed.push({ account: at.account, region: at.region, location, problem });

  let bucket: string | undefined;
  try {
    bucket = await gates.reads(() => findStateBucket(at.ssm));
  } catch (error) {
    fail("bootstrap", error);
    return scan;
  }
  if (!bucket) return scan;
  const state = bucket;
  const { previous, now } = options;
  const recent =
    previous?.bucket === state && now.getTime() - previous.listedAt.getTime() < FULL_LISTING_MS
      ? previous
      : undefined;
  const list = (prefix: string) => gates.listings(() => listAll(at.s3, state, prefix));
  const [updates, locks, appListing] = await Promise.allSettled([
    list("update/"),
    list("lock/"),
    recent ? undefined : list("app/"),
  ]);
  if (updates.status === "rejected") fail("state", updates.reason);
  if (locks.status === "rejected") fail("lock", locks.reason);

  const newest = newestUpdates(updates.status === "fulfilled" ? updates.value : [], state, malformed);
  const lockKeys = new Map<string, string>();
  for (const listed of locks.status === "fulfilled" ? locks.value : []) {
    const parsed = parseStateKey("lock", listed.key);
    if ("malformed" in parsed) malformed(`s3://${state}/${listed.key}`, parsed.malformed);
    else lockKeys.set(pairKey(parsed.app, parsed.stage), listed.key);
  }

  let checkpoints: CheckpointToRead[];
  let strays: Map<string, string>;
  let listedAt = now;
  if (recent && updates.status === "fulfilled" && locks.status === "fulfilled") {
    checkpoints = checkpointsFromUpdateLog(recent, newest, lockKeys);
    strays = recent.strays;
    listedAt = recent.listedAt;
  } else {
    let apps: Listed[];
    try {
      if (appListing.status === "rejected") throw appListing.reason;
      // Memory was recent, but without the update log and the locks it cannot say what changed.
      apps = appListing.value ?? (await list("app/"));
    } catch (error) {
      fail("state", error);
      return scan;
    }
    ({ checkpoints, strays } = checkpointsFromListing(apps));
  }
  for (const [key, problem] of strays) malformed(`s3://${state}/${key}`, problem);

  const reader = stateReader({ ...at, bucket: state, run: gates.reads, listedAt }, previous);
  reader.learned.strays = strays;
  await Promise.all(
    checkpoints.map(async ({ app, stage, ref }) => {
      const location = `s3://${state}/${ref.key}`;
      const pair = pairKey(app, stage);
      // Not an orphan, even when its checkpoint cannot be read.
      scan.known.add(pair);
      try {
        const facts = await readStage(reader, { app, stage }, ref, newest.get(pair), lockKeys.get(pair));
        if (facts) scan.stages.push(facts);
        else scan.known.delete(pair);
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

function checkpointsFromListing(apps: Listed[]): {
  checkpoints: CheckpointToRead[];
  strays: Map<string, string>;
} {
  const checkpoints: CheckpointToRead[] = [];
  const strays = new Map<string, string>();
  for (const listed of apps) {
    const parsed = parseStateKey("app", listed.key);
    if ("malformed" in parsed) strays.set(listed.key, parsed.malformed);
    else checkpoints.push({ app: parsed.app, stage: parsed.stage, ref: listed });
  }
  return { checkpoints, strays };
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
