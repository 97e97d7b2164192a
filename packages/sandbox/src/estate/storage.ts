import { createHash } from "node:crypto";
import type { VersionedMap } from "./versioned.js";

export interface StoredObject {
  key: string;
  body: Buffer;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  contentEncoding?: string;
}

export interface Bucket {
  name: string;
  account: string;
  region: string;
  objects: VersionedMap<string, StoredObject>;
}

export function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

export function putObject(
  bucket: Bucket,
  key: string,
  body: Buffer,
  now: Date,
  meta: { contentType?: string; contentEncoding?: string } = {},
): StoredObject {
  const object: StoredObject = { key, body, etag: etagOf(body), lastModified: now, ...meta };
  bucket.objects.set(key, object);
  return object;
}
