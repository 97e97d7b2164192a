import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { describeError } from "../aws/clients.js";
import type { Malformed, SourceFailure, StageFacts, StageLock } from "../stage/facts.js";
import { findStateBucket, getBytes, type Listed, listAll } from "./bucket.js";
import { decodeStateBody, readCheckpoint, readLock, readUpdate } from "./documents.js";
import { pairKey, parseStateKey } from "./keys.js";

export interface RegionScan {
  stages: StageFacts[];
  /** Every (app, stage) with an `app/` key, parsed or not: such a stage is never an orphan. */
  known: Set<string>;
  malformed: Malformed[];
  failures: SourceFailure[];
}

type Run = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Reads one region's SST state: bootstrap parameter → state bucket → one paginated listing each of `app/`,
 * `update/` and `lock/` → each stage's checkpoint and newest update record, and each lock.
 */
export async function scanRegion(
  at: { account: string; region: string; s3: S3Client; ssm: SSMClient },
  run: Run,
): Promise<RegionScan> {
  const scan: RegionScan = { stages: [], known: new Set(), malformed: [], failures: [] };
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

  const newest = newestUpdates(updates.status === "fulfilled" ? updates.value : [], malformed);
  const lockKeys = new Map<string, string>();
  for (const listed of locks.status === "fulfilled" ? locks.value : []) {
    const parsed = parseStateKey("lock", listed.key);
    if ("malformed" in parsed) malformed(`s3://${state}/${listed.key}`, parsed.malformed);
    else lockKeys.set(pairKey(parsed.app, parsed.stage), listed.key);
  }

  await Promise.all(
    apps.value.map(async (listed) => {
      const location = `s3://${state}/${listed.key}`;
      const parsed = parseStateKey("app", listed.key);
      if ("malformed" in parsed) return malformed(location, parsed.malformed);
      const pair = pairKey(parsed.app, parsed.stage);
      scan.known.add(pair);
      try {
        const facts = await readStage(at, state, listed, parsed, newest.get(pair), lockKeys.get(pair), run);
        scan.stages.push(facts);
      } catch (error) {
        if (error instanceof SyntaxError || (error instanceof Error && error.message.startsWith("not an"))) {
          malformed(location, error.message);
        } else {
          fail("state", new Error(`${location}: ${describeError(error)}`));
        }
      }
    }),
  );
  return scan;
}

export async function readStage(
  at: { account: string; region: string; s3: S3Client },
  bucket: string,
  listed: Listed,
  key: { app: string; stage: string },
  updateKey: string | undefined,
  lockKey: string | undefined,
  run: Run,
): Promise<StageFacts> {
  const [checkpoint, update, lock] = await Promise.all([
    run(() => getBytes(at.s3, bucket, listed.key)).then((body) => readCheckpoint(decodeStateBody(body))),
    updateKey
      ? run(() => getBytes(at.s3, bucket, updateKey)).then((b) => readUpdate(decodeStateBody(b)))
      : undefined,
    lockKey
      ? run(() => getBytes(at.s3, bucket, lockKey)).then((b) => readLock(decodeStateBody(b)))
      : undefined,
  ]);
  const deployedAt = update?.at ?? checkpoint.deployedAt ?? listed.lastModified;
  return {
    account: at.account,
    region: at.region,
    app: key.app,
    stage: key.stage,
    live: checkpoint.live,
    ...(checkpoint.createdAt ? { createdAt: checkpoint.createdAt } : {}),
    ...(deployedAt ? { lastDeployedAt: deployedAt } : {}),
    ...(update ? { lastCommand: update.command } : {}),
    protect: checkpoint.protect,
    ...(lock ? { lock: lock satisfies StageLock } : {}),
    resourceCount: checkpoint.resourceCount,
    resourceTypes: checkpoint.resourceTypes,
    taggedResources: 0,
    ...(listed.etag ? { stateEtag: listed.etag } : {}),
  };
}

/** Update ids sort newest first, so the first key listed per stage is its latest update. */
function newestUpdates(
  listed: Listed[],
  malformed: (location: string, problem: string) => void,
): Map<string, string> {
  const newest = new Map<string, string>();
  for (const { key } of listed) {
    const parsed = parseStateKey("update", key);
    if ("malformed" in parsed) {
      malformed(key, parsed.malformed);
      continue;
    }
    const pair = pairKey(parsed.app, parsed.stage);
    if (!newest.has(pair)) newest.set(pair, key);
  }
  return newest;
}
