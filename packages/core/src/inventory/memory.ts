import type { CheckpointFacts, UpdateFacts } from "./documents.js";

/**
 * What earlier scans learned from one region's state files, by the ETag each was read at. S3's ETag changes
 * with the content, so a file listed with the same key and ETag says what it said then, and is not read again.
 */
export interface RegionMemory {
  bucket: string;
  /** When `app/` was last listed in full; between full listings SST's update log says what changed. */
  listedAt: Date;
  /** By `app/stage`: the checkpoint `app/<app>/<stage>.json`. */
  checkpoints: Map<string, { etag: string; facts: CheckpointFacts }>;
  /** By `app/stage`: the newest update record, which SST rewrites under the same key when it completes. */
  updates: Map<string, { key: string; etag: string; facts: UpdateFacts }>;
  /** By key: checkpoints that are not SST state, and why; the same bytes are just as broken next time. */
  broken: Map<string, { etag: string; problem: string }>;
  /** By key: `app/` keys SST could not have written, as the last full listing found them. */
  strays: Map<string, string>;
}

/** How a scan got its facts: reads of state files, and files whose facts came from memory instead. */
export interface ScanStats {
  checkpointsRead: number;
  checkpointsRemembered: number;
  /** Checkpoints asked for with If-None-Match that had not changed (S3 answered 304, no body). */
  checkpointsConfirmed: number;
  updatesRead: number;
  updatesRemembered: number;
  locksRead: number;
  /** Bytes of state files downloaded (bodies as stored, before gunzip). */
  bytesRead: number;
}

export function emptyMemory(bucket: string, listedAt: Date): RegionMemory {
  return {
    bucket,
    listedAt,
    checkpoints: new Map(),
    updates: new Map(),
    broken: new Map(),
    strays: new Map(),
  };
}

export function emptyStats(): ScanStats {
  return {
    checkpointsRead: 0,
    checkpointsRemembered: 0,
    checkpointsConfirmed: 0,
    updatesRead: 0,
    updatesRemembered: 0,
    locksRead: 0,
    bytesRead: 0,
  };
}

export function addStats(into: ScanStats, from: ScanStats): void {
  for (const name of Object.keys(into) as (keyof ScanStats)[]) into[name] += from[name];
}
