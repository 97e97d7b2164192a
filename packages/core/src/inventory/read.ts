import type { S3Client } from "@aws-sdk/client-s3";
import { getObject, getObjectIfChanged, type Listed, type StoredObject } from "../aws/objects.js";
import type { Gate } from "../aws/pace.js";
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

/** Reads the state files of one bucket, remembering what it learned and skipping what it already knows. */
export interface StateReader {
  account: string;
  region: string;
  s3: S3Client;
  bucket: string;
  /** Bounds the reads in flight; shared across regions. */
  run: Gate;
  /** What an earlier scan of this bucket learned; ignored when it describes another bucket. */
  previous?: RegionMemory;
  /** What this scan learns: everything it read or found unchanged. */
  learned: RegionMemory;
  stats: ScanStats;
}

/** `listedAt`: when this scan's facts about which checkpoints exist were last complete (never: the epoch). */
export function stateReader(
  at: { account: string; region: string; s3: S3Client; bucket: string; run: Gate; listedAt?: Date },
  previous?: RegionMemory,
): StateReader {
  const { listedAt = new Date(0), ...where } = at;
  return {
    ...where,
    ...(previous?.bucket === at.bucket ? { previous } : {}),
    learned: emptyMemory(at.bucket, listedAt),
    stats: emptyStats(),
  };
}

/**
 * A checkpoint to read. `etag`: as listed, or as remembered when SST's update log shows it unchanged; memory
 * holds the facts of that ETag. `check`: the update log says it may have changed, so it is asked for with
 * If-None-Match on the remembered ETag (S3 answers 304 with no body when it has not).
 */
export interface CheckpointRef {
  key: string;
  etag?: string;
  check?: boolean;
}

/**
 * One stage's facts from its checkpoint, its newest update record (if listed) and its lock (if listed);
 * undefined when a checkpoint that was only checked no longer exists.
 */
export async function readStage(
  reader: StateReader,
  key: { app: string; stage: string },
  checkpoint: CheckpointRef,
  update: Listed | undefined,
  lockKey: string | undefined,
): Promise<StageFacts | undefined> {
  const pair = pairKey(key.app, key.stage);
  const [state, newest, lock] = await Promise.all([
    checkpointOf(reader, pair, checkpoint),
    update ? updateOf(reader, pair, update) : undefined,
    lockKey
      ? download(reader, lockKey).then(({ bytes }) => parsed(() => readLock(decodeStateBody(bytes))))
      : undefined,
  ]);
  if (lock) reader.stats.locksRead++;
  if (!state) return undefined;
  const { facts, etag } = state;
  const deployedAt = newest?.at ?? facts.deployedAt;
  return {
    account: reader.account,
    region: reader.region,
    app: key.app,
    stage: key.stage,
    live: facts.live,
    ...(facts.createdAt ? { createdAt: facts.createdAt } : {}),
    ...(deployedAt ? { lastDeployedAt: deployedAt } : {}),
    ...(newest ? { lastCommand: newest.command } : {}),
    protect: facts.protect,
    ...(lock ? { lock } : {}),
    resourceCount: facts.resourceCount,
    resourceTypes: facts.resourceTypes,
    taggedResources: 0,
    ...(etag ? { stateEtag: etag } : {}),
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

async function checkpointOf(
  reader: StateReader,
  pair: string,
  ref: CheckpointRef,
): Promise<{ facts: CheckpointFacts; etag?: string } | undefined> {
  const known = reader.previous?.checkpoints.get(pair);
  const broken = reader.previous?.broken.get(ref.key);
  let etag = ref.etag;
  let object: StoredObject | undefined;
  if (ref.check) {
    const since = known?.etag ?? broken?.etag;
    const got = await reader.run(() => getObjectIfChanged(reader.s3, reader.bucket, ref.key, since));
    if (got === "missing") return undefined;
    if (got === "unchanged") {
      reader.stats.checkpointsConfirmed++;
      etag = since;
    } else {
      reader.stats.bytesRead += got.bytes.byteLength;
      object = got;
    }
  }
  if (!object) {
    if (known && known.etag === etag) {
      reader.stats.checkpointsRemembered++;
      reader.learned.checkpoints.set(pair, known);
      return known;
    }
    if (broken && broken.etag === etag) {
      reader.stats.checkpointsRemembered++;
      reader.learned.broken.set(ref.key, broken);
      throw new MalformedFile(broken.problem);
    }
    object = await download(reader, ref.key);
  }
  reader.stats.checkpointsRead++;
  // The ETag of the bytes read, not the listed one: the object may have changed in between.
  try {
    const read = parsed(() => readCheckpoint(decodeStateBody(object.bytes)));
    // Without a manifest time, the object's LastModified is when it was last deployed (SST-FACTS.md).
    const facts =
      read.deployedAt || !object.lastModified ? read : { ...read, deployedAt: object.lastModified };
    if (object.etag) reader.learned.checkpoints.set(pair, { etag: object.etag, facts });
    return { facts, ...(object.etag ? { etag: object.etag } : {}) };
  } catch (error) {
    if (object.etag && error instanceof MalformedFile)
      reader.learned.broken.set(ref.key, { etag: object.etag, problem: error.message });
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

async function download(reader: StateReader, key: string): Promise<StoredObject> {
  const object = await reader.run(() => getObject(reader.s3, reader.bucket, key));
  reader.stats.bytesRead += object.bytes.byteLength;
  return object;
}
