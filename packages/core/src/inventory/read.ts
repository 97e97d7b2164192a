import type { S3Client } from "@aws-sdk/client-s3";
import { getObject, type Listed } from "../aws/objects.js";
import type { StageFacts } from "../stage/facts.js";
import {
  type CheckpointFacts,
  decodeStateBody,
  NotStateError,
  readCheckpoint,
  readLock,
  readUpdate,
  type UpdateFacts,
} from "./documents.js";
import { pairKey } from "./keys.js";
import { emptyMemory, emptyStats, type RegionMemory, type ScanStats } from "./memory.js";

type Run = <T>(work: () => Promise<T>) => Promise<T>;

/** Reads the state files of one bucket, remembering what it learned and skipping what it already knows. */
export interface StateReader {
  account: string;
  region: string;
  s3: S3Client;
  bucket: string;
  /** Bounds the reads in flight; shared across regions. */
  run: Run;
  /** What an earlier scan of this bucket learned; ignored when it describes another bucket. */
  previous?: RegionMemory;
  /** What this scan learns: everything it read or found unchanged. */
  learned: RegionMemory;
  stats: ScanStats;
}

export function stateReader(
  at: { account: string; region: string; s3: S3Client; bucket: string; run: Run },
  previous?: RegionMemory,
): StateReader {
  return {
    ...at,
    ...(previous?.bucket === at.bucket ? { previous } : {}),
    learned: emptyMemory(at.bucket),
    stats: emptyStats(),
  };
}

/** One stage's facts from its checkpoint, its newest update record (if listed) and its lock (if listed). */
export async function readStage(
  reader: StateReader,
  key: { app: string; stage: string },
  checkpoint: Listed,
  update: Listed | undefined,
  lockKey: string | undefined,
): Promise<StageFacts> {
  const pair = pairKey(key.app, key.stage);
  const [state, newest, lock] = await Promise.all([
    checkpointOf(reader, pair, checkpoint),
    update ? updateOf(reader, pair, update) : undefined,
    lockKey
      ? download(reader, lockKey).then(({ bytes }) => parsed(() => readLock(decodeStateBody(bytes))))
      : undefined,
  ]);
  if (lock) reader.stats.locksRead++;
  const deployedAt = newest?.at ?? state.deployedAt ?? checkpoint.lastModified;
  return {
    account: reader.account,
    region: reader.region,
    app: key.app,
    stage: key.stage,
    live: state.live,
    ...(state.createdAt ? { createdAt: state.createdAt } : {}),
    ...(deployedAt ? { lastDeployedAt: deployedAt } : {}),
    ...(newest ? { lastCommand: newest.command } : {}),
    protect: state.protect,
    ...(lock ? { lock } : {}),
    resourceCount: state.resourceCount,
    resourceTypes: state.resourceTypes,
    taggedResources: 0,
    ...(checkpoint.etag ? { stateEtag: checkpoint.etag } : {}),
  };
}

/** A state file that is not what SST writes: reported as malformed, never acted on. */
export class MalformedFile extends Error {}

function parsed<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NotStateError) throw new MalformedFile(error.message);
    throw error;
  }
}

async function checkpointOf(reader: StateReader, pair: string, listed: Listed): Promise<CheckpointFacts> {
  const known = reader.previous?.checkpoints.get(pair);
  const broken = reader.previous?.broken.get(listed.key);
  if (known?.etag === listed.etag || broken?.etag === listed.etag) reader.stats.checkpointsRemembered++;
  if (known && known.etag === listed.etag) {
    reader.learned.checkpoints.set(pair, known);
    return known.facts;
  }
  if (broken && broken.etag === listed.etag) {
    reader.learned.broken.set(listed.key, broken);
    throw new MalformedFile(broken.problem);
  }
  const { bytes, etag } = await download(reader, listed.key);
  reader.stats.checkpointsRead++;
  // The ETag of the bytes read, not the listed one: the object may have changed in between.
  try {
    const facts = parsed(() => readCheckpoint(decodeStateBody(bytes)));
    if (etag) reader.learned.checkpoints.set(pair, { etag, facts });
    return facts;
  } catch (error) {
    if (etag && error instanceof MalformedFile)
      reader.learned.broken.set(listed.key, { etag, problem: error.message });
    throw error;
  }
}

async function updateOf(reader: StateReader, pair: string, listed: Listed): Promise<UpdateFacts> {
  const known = reader.previous?.updates.get(pair);
  if (known && known.key === listed.key && known.etag === listed.etag) {
    reader.stats.updatesRemembered++;
    reader.learned.updates.set(pair, known);
    return known.facts;
  }
  const { bytes, etag } = await download(reader, listed.key);
  reader.stats.updatesRead++;
  const facts = parsed(() => readUpdate(decodeStateBody(bytes)));
  if (etag) reader.learned.updates.set(pair, { key: listed.key, etag, facts });
  return facts;
}

async function download(reader: StateReader, key: string): Promise<{ bytes: Uint8Array; etag?: string }> {
  const object = await reader.run(() => getObject(reader.s3, reader.bucket, key));
  reader.stats.bytesRead += object.bytes.byteLength;
  return object;
}
