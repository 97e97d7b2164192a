import type { Listed } from "../aws/objects.js";
import { pairKey, parseStateKey } from "./keys.js";
import type { RegionMemory } from "./memory.js";
import type { CheckpointRef } from "./read.js";

/** `app/` is listed in full at least this often, to see what was written outside SST's update protocol. */
export const FULL_LISTING_MS = 7 * 86_400_000;

export interface CheckpointToRead {
  app: string;
  stage: string;
  ref: CheckpointRef;
}

/**
 * Which checkpoints may have changed since `memory` was taken, from SST's update log alone, so that `app/`
 * need not be listed. SST writes a checkpoint only inside an update: it takes the lock and writes a new update
 * record (a new key, sorting first), writes the checkpoint, rewrites the record with timeCompleted, then drops
 * the lock (pkg/project/run.go and provider.Lock; `sst state` does the same). So a stage whose newest record
 * is the one remembered, was complete when read, still has its ETag, and holds no lock, still has the
 * checkpoint remembered. Every other stage that memory or the log names is asked for with If-None-Match.
 */
export function checkpointsFromUpdateLog(
  memory: RegionMemory,
  newest: ReadonlyMap<string, Listed>,
  locks: ReadonlyMap<string, string>,
): CheckpointToRead[] {
  const pairs = new Map<string, { app: string; stage: string }>();
  const remembered = [...memory.checkpoints.keys()].map((pair) => `app/${pair}.json`);
  for (const key of [...remembered, ...memory.broken.keys()]) {
    const parsed = parseStateKey("app", key);
    if (!("malformed" in parsed)) pairs.set(pairKey(parsed.app, parsed.stage), parsed);
  }
  for (const listed of newest.values()) {
    const parsed = parseStateKey("update", listed.key);
    if (!("malformed" in parsed)) pairs.set(pairKey(parsed.app, parsed.stage), parsed);
  }
  return [...pairs].map(([pair, { app, stage }]) => {
    const key = `app/${pair}.json`;
    const etag = memory.checkpoints.get(pair)?.etag ?? memory.broken.get(key)?.etag;
    const before = memory.updates.get(pair);
    const now = newest.get(pair);
    const settled =
      etag !== undefined &&
      before?.facts.completed === true &&
      before.key === now?.key &&
      before.etag === now.etag &&
      !locks.has(pair);
    return { app, stage, ref: settled ? { key, etag } : { key, check: true } };
  });
}
