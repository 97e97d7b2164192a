// S3 object reads shared by the state scan and Stagekeeper's own ledger.
import {
  GetObjectCommand,
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
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      listed.push({
        key: object.Key,
        ...(object.ETag ? { etag: object.ETag } : {}),
        ...(object.LastModified ? { lastModified: object.LastModified } : {}),
      });
    }
  }
  return listed;
}

/** The first key under a prefix: for SST's descending update ids, the newest update. */
export async function firstKey(s3: S3Client, bucket: string, prefix: string): Promise<Listed | undefined> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  const object = out.Contents?.[0];
  if (!object?.Key) return undefined;
  return {
    key: object.Key,
    ...(object.ETag ? { etag: object.ETag } : {}),
    ...(object.LastModified ? { lastModified: object.LastModified } : {}),
  };
}

/** An object's bytes as stored, and the ETag of exactly those bytes. */
export async function getObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ bytes: Uint8Array; etag?: string }> {
  const { Body, ETag } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
  const bytes = await Body.transformToByteArray();
  return ETag ? { bytes, etag: ETag } : { bytes };
}
