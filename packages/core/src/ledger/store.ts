import { GetObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import type { z } from "zod";
import { type Listed, listAll } from "../aws/objects.js";

export interface Versioned<T> {
  value: T;
  etag: string;
}

/**
 * How often a read-modify-write may lose a race before it gives up. Each loss means another writer won, so
 * with N writers at once the last one may lose N−1 times: room for far more writers than Stagekeeper has.
 */
const MAX_ATTEMPTS = 100;

/**
 * Stagekeeper's own bucket, written only with conditional writes: a new object with If-None-Match: *, a change
 * with If-Match on the ETag it was read at. Concurrent writers (cron, Slack, webhook, build events) never lose
 * an update: the loser reads again and reapplies its change.
 */
export class LedgerStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async get<T>(key: string, schema: z.ZodType<T>): Promise<Versioned<T> | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await out.Body?.transformToString("utf8")) ?? "";
      const parsed = schema.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(`ledger object ${key} is not valid: ${parsed.error.issues[0]?.message}`);
      return { value: parsed.data, etag: out.ETag ?? "" };
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  /** Writes `value` if the object is still at `etag` (or absent, for undefined); false when someone else won. */
  async put(key: string, value: unknown, etag: string | undefined): Promise<string | false> {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: "application/json",
          ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
        }),
      );
      return out.ETag ?? "";
    } catch (error) {
      if (isLostRace(error)) return false;
      throw error;
    }
  }

  /**
   * Reads, changes and writes one object until the write wins. `change` sees the current value (undefined when
   * absent) and returns the new one, or undefined to leave the object as it is.
   */
  async update<T>(
    key: string,
    schema: z.ZodType<T>,
    change: (current: T | undefined) => T | undefined,
  ): Promise<Versioned<T> | undefined> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.get(key, schema);
      const next = change(current?.value);
      if (next === undefined) return current;
      const etag = await this.put(key, next, current?.etag);
      if (etag !== false) return { value: next, etag };
      await backoff(attempt);
    }
    throw new Error(`ledger object ${key}: gave up after ${MAX_ATTEMPTS} lost races`);
  }

  list(prefix: string): Promise<Listed[]> {
    return listAll(this.s3, this.bucket, prefix);
  }
}

/**
 * 412: the object changed since we read it. 409: a concurrent conditional write; S3 says to retry. 404 on an
 * If-Match write: the object was deleted since we read it.
 */
const LOST_RACE = new Set(["PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"]);

function isLostRace(error: unknown): boolean {
  return error instanceof S3ServiceException && LOST_RACE.has(error.name);
}

/** Full jitter, capped low: losers spread out without waiting long, since some writer always wins. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(250, 10 * 2 ** Math.min(attempt, 5));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
