// S3 object reads shared by the state scan and Stagekeeper's own ledger.
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";

export interface Listed {
  key: string;
  etag?: string;
  lastModified?: Date;
}

/** Every key under a prefix, to the end: the SST Console's own scan stops at 1,000 keys; ours must not. */
export async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const listed: Listed[] = [];
  for await (const page of paginateListObjectsV2(
    { client: s3, pageSize: 1000 },
    { Bucket: bucket, Prefix: prefix },
  )) {
    for (const object of page.Contents ?? []) if (object.Key) listed.push(listedOf(object.Key, object));
  }
  return listed;
}

/** The first key under a prefix: for SST's descending update ids, the newest update. */
export async function firstKey(s3: S3Client, bucket: string, prefix: string): Promise<Listed | undefined> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  const object = out.Contents?.[0];
  return object?.Key ? listedOf(object.Key, object) : undefined;
}

function listedOf(key: string, object: { ETag?: string; LastModified?: Date }): Listed {
  return {
    key,
    ...(object.ETag ? { etag: object.ETag } : {}),
    ...(object.LastModified ? { lastModified: object.LastModified } : {}),
  };
}

/** An object's bytes as stored, with the ETag and LastModified of exactly those bytes. */
export interface StoredObject {
  bytes: Uint8Array;
  etag?: string;
  lastModified?: Date;
}

export function getObject(s3: S3Client, bucket: string, key: string): Promise<StoredObject> {
  return fetchObject(s3, { Bucket: bucket, Key: key });
}

/**
 * The object unless it still has the ETag `etag` (If-None-Match: S3 answers 304 with no body), or "missing".
 * Any other error propagates.
 */
export async function getObjectIfChanged(
  s3: S3Client,
  bucket: string,
  key: string,
  etag: string | undefined,
): Promise<StoredObject | "unchanged" | "missing"> {
  try {
    return await fetchObject(s3, { Bucket: bucket, Key: key, ...(etag ? { IfNoneMatch: etag } : {}) });
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 304) return "unchanged";
    if ((error as { name?: string }).name === "NoSuchKey") return "missing";
    throw error;
  }
}

async function fetchObject(s3: S3Client, input: GetObjectCommandInput): Promise<StoredObject> {
  const out = await s3.send(new GetObjectCommand(input));
  if (!out.Body) throw new Error(`s3://${input.Bucket}/${input.Key} has no body`);
  return {
    bytes: await out.Body.transformToByteArray(),
    ...(out.ETag ? { etag: out.ETag } : {}),
    ...(out.LastModified ? { lastModified: out.LastModified } : {}),
  };
}
