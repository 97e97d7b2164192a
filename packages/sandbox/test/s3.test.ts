import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

const LEDGER = "stagekeeper-ledger";

/** Default checksum settings on purpose: stream bodies then travel aws-chunked with a CRC32 trailer. */
function s3(sandbox: Sandbox, region = "us-east-1", accessKeyId = "sandbox"): S3Client {
  return new S3Client(clientConfig(sandbox, region, accessKeyId));
}

async function stateBucket(sandbox: Sandbox, region: string, accessKeyId = "sandbox"): Promise<string> {
  const ssm = new SSMClient(clientConfig(sandbox, region, accessKeyId));
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
  return (JSON.parse(Parameter?.Value ?? "{}") as { state: string }).state;
}

async function control(sandbox: Sandbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${sandbox.url}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
}

function ledgerObjects(keys: string[]) {
  return keys.map((key) => ({ bucket: LEDGER, key, body: `body of ${key}` }));
}

describe("S3 ListObjectsV2", () => {
  it("pages through 2,500 keys to the end in pages of 1000, 1000 and 500", async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `runs/${String(i).padStart(5, "0")}.json`);
    await withSandbox(testSeed({ objects: ledgerObjects([...keys].reverse()) }), async (sandbox) => {
      const pages = [];
      for await (const page of paginateListObjectsV2(
        { client: s3(sandbox) },
        { Bucket: LEDGER, Prefix: "runs/" },
      )) {
        pages.push(page);
      }
      expect(pages.map((p) => p.KeyCount)).toEqual([1000, 1000, 500]);
      expect(pages.map((p) => p.IsTruncated)).toEqual([true, true, false]);
      expect(pages.map((p) => p.MaxKeys)).toEqual([1000, 1000, 1000]);
      expect(pages[2]?.NextContinuationToken).toBeUndefined();
      expect(pages.flatMap((p) => p.Contents ?? []).map((o) => o.Key)).toEqual(keys);
      const first = pages[0]?.Contents?.[0];
      expect(first).toMatchObject({ Size: "body of runs/00000.json".length, StorageClass: "STANDARD" });
      expect(first?.ETag).toBe(`"${createHash("md5").update("body of runs/00000.json").digest("hex")}"`);
      expect(first?.LastModified?.toISOString()).toBe("2026-11-20T09:00:00.000Z");
      expect(sandbox.requests.get("s3.ListObjectsV2")).toBe(3);
    });
  });

  it("echoes a MaxKeys above 1000 and still returns at most 1000 keys", async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `k/${String(i).padStart(4, "0")}`);
    await withSandbox(testSeed({ objects: ledgerObjects(keys) }), async (sandbox) => {
      const page = await s3(sandbox).send(new ListObjectsV2Command({ Bucket: LEDGER, MaxKeys: 5000 }));
      expect(page).toMatchObject({ MaxKeys: 5000, KeyCount: 1000, IsTruncated: true });
    });
  });

  it("rolls keys up into CommonPrefixes at the delimiter and pages across them", async () => {
    const keys = [
      "app/a/one.json",
      "app/a/two.json",
      "app/b.json",
      "lock/a/one.json",
      "top.json",
      "update/a/1.json",
    ];
    await withSandbox(testSeed({ objects: ledgerObjects(keys) }), async (sandbox) => {
      const client = s3(sandbox);
      const entries: string[] = [];
      const counts: number[] = [];
      for await (const page of paginateListObjectsV2(
        { client, pageSize: 2 },
        { Bucket: LEDGER, Delimiter: "/" },
      )) {
        counts.push(page.KeyCount ?? -1);
        entries.push(
          ...(page.CommonPrefixes ?? []).map((p) => `${p.Prefix}`),
          ...(page.Contents ?? []).map((o) => `${o.Key}`),
        );
      }
      expect(counts).toEqual([2, 2]);
      expect(entries.sort()).toEqual(["app/", "lock/", "top.json", "update/"]);

      const nested = await client.send(
        new ListObjectsV2Command({ Bucket: LEDGER, Prefix: "app/", Delimiter: "/" }),
      );
      expect(nested.CommonPrefixes).toEqual([{ Prefix: "app/a/" }]);
      expect(nested.Contents?.map((o) => o.Key)).toEqual(["app/b.json"]);
      expect(nested).toMatchObject({ Prefix: "app/", Delimiter: "/", KeyCount: 2, IsTruncated: false });
    });
  });

  it("orders keys in UTF-8 binary order and honours start-after", async () => {
    const keys = ["a\u{1F600}", "a\uFFFD", "aZ", "a~"];
    await withSandbox(testSeed({ objects: ledgerObjects(keys) }), async (sandbox) => {
      const client = s3(sandbox);
      const all = await client.send(new ListObjectsV2Command({ Bucket: LEDGER }));
      expect(all.Contents?.map((o) => o.Key)).toEqual(["aZ", "a~", "a\uFFFD", "a\u{1F600}"]);
      const after = await client.send(new ListObjectsV2Command({ Bucket: LEDGER, StartAfter: "a~" }));
      expect(after.Contents?.map((o) => o.Key)).toEqual(["a\uFFFD", "a\u{1F600}"]);
      expect(after.StartAfter).toBe("a~");
    });
  });

  it("refuses a continuation token it did not issue and a bucket that does not exist", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      await expect(
        client.send(new ListObjectsV2Command({ Bucket: LEDGER, ContinuationToken: "bm90LWEtdG9rZW4=" })),
      ).rejects.toMatchObject({ name: "InvalidArgument", $metadata: { httpStatusCode: 400 } });
      await expect(client.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" }))).rejects.toMatchObject(
        {
          name: "NoSuchBucket",
          $metadata: { httpStatusCode: 404 },
        },
      );
    });
  });
});

describe("S3 GetObject and HeadObject", () => {
  it("serves a gzip state file byte for byte, found through the bootstrap parameter", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const bucket = await stateBucket(sandbox, "eu-west-1");
      const client = s3(sandbox, "eu-west-1");
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "app/api/pr-12.json" }));
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      expect(object.ContentEncoding).toBeUndefined();
      const state = JSON.parse(gunzipSync(bytes).toString("utf8"));
      expect(state.checkpoint.stack).toBe("organization/api/pr-12");
      expect(state.checkpoint.latest.resources.length).toBeGreaterThan(0);
      expect(object.ContentLength).toBe(bytes.length);

      const updates = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "update/api/pr-12/" }),
      );
      expect(updates.KeyCount).toBeGreaterThan(0);
    });
  });

  it("answers HeadObject with the object's headers and a bodiless 404 for a missing key", async () => {
    await withSandbox(testSeed({ objects: ledgerObjects(["a.json"]) }), async (sandbox) => {
      const client = s3(sandbox);
      const head = await client.send(new HeadObjectCommand({ Bucket: LEDGER, Key: "a.json" }));
      expect(head).toMatchObject({
        ContentLength: "body of a.json".length,
        ETag: `"${createHash("md5").update("body of a.json").digest("hex")}"`,
        ContentType: "binary/octet-stream",
      });
      expect(head.LastModified?.toISOString()).toBe("2026-11-20T09:00:00.000Z");
      await expect(
        client.send(new HeadObjectCommand({ Bucket: LEDGER, Key: "missing" })),
      ).rejects.toMatchObject({
        name: "NotFound",
        $metadata: { httpStatusCode: 404 },
      });
      await expect(
        client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "missing" })),
      ).rejects.toMatchObject({
        name: "NoSuchKey",
        $metadata: { httpStatusCode: 404 },
      });
    });
  });

  it("answers conditional reads with 304 and 412", async () => {
    await withSandbox(testSeed({ objects: ledgerObjects(["a.json"]) }), async (sandbox) => {
      const client = s3(sandbox);
      const { ETag } = await client.send(new HeadObjectCommand({ Bucket: LEDGER, Key: "a.json" }));
      await expect(
        client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "a.json", IfNoneMatch: ETag })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
      await expect(
        client.send(
          new GetObjectCommand({
            Bucket: LEDGER,
            Key: "a.json",
            IfModifiedSince: new Date("2026-11-21T00:00:00Z"),
          }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
      const changed = await client.send(
        new GetObjectCommand({
          Bucket: LEDGER,
          Key: "a.json",
          IfModifiedSince: new Date("2026-11-19T00:00:00Z"),
        }),
      );
      expect(await changed.Body?.transformToString()).toBe("body of a.json");
      await expect(
        client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "a.json", IfMatch: '"0123"' })),
      ).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
      const matched = await client.send(
        new GetObjectCommand({ Bucket: LEDGER, Key: "a.json", IfMatch: ETag }),
      );
      expect(matched.ETag).toBe(ETag);
    });
  });
});

describe("S3 byte ranges and metadata", () => {
  it("serves a single byte range with 206 and keeps user metadata and Content-Type", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      await client.send(
        new PutObjectCommand({
          Bucket: LEDGER,
          Key: "r.txt",
          Body: "0123456789",
          ContentType: "text/plain",
          Metadata: { "run-id": "run-7" },
        }),
      );
      const part = await client.send(
        new GetObjectCommand({ Bucket: LEDGER, Key: "r.txt", Range: "bytes=2-4" }),
      );
      expect(part.$metadata.httpStatusCode).toBe(206);
      expect(part.ContentRange).toBe("bytes 2-4/10");
      expect(await part.Body?.transformToString()).toBe("234");
      const tail = await client.send(
        new GetObjectCommand({ Bucket: LEDGER, Key: "r.txt", Range: "bytes=-3" }),
      );
      expect(await tail.Body?.transformToString()).toBe("789");
      await expect(
        client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "r.txt", Range: "bytes=10-" })),
      ).rejects.toMatchObject({ name: "InvalidRange", $metadata: { httpStatusCode: 416 } });
      const head = await client.send(new HeadObjectCommand({ Bucket: LEDGER, Key: "r.txt" }));
      expect(head).toMatchObject({ ContentType: "text/plain", Metadata: { "run-id": "run-7" } });
    });
  });
});

describe("S3 PutObject and DeleteObject", () => {
  it("stores a stream upload (aws-chunked with a CRC32 trailer) byte for byte", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      const data = randomBytes(200_000);
      const parts = [data.subarray(0, 70_000), data.subarray(70_000, 140_001), data.subarray(140_001)];
      const put = await client.send(
        new PutObjectCommand({
          Bucket: LEDGER,
          Key: "stream.bin",
          Body: Readable.from(parts),
          ContentLength: data.length,
        }),
      );
      expect(put.ETag).toBe(`"${createHash("md5").update(data).digest("hex")}"`);
      expect(put.ChecksumCRC32).toBeDefined();
      const stored = sandbox.estate.bucket(LEDGER)?.objects.get("stream.bin");
      expect(stored?.body.equals(data)).toBe(true);
      expect(stored?.contentEncoding).toBeUndefined();
      const got = await client.send(
        new GetObjectCommand({ Bucket: LEDGER, Key: "stream.bin", ChecksumMode: "ENABLED" }),
      );
      expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(data)).toBe(true);
      expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    });
  });

  it("decodes signed aws-chunked framing and refuses bad framing, lengths and unsized streams", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const put = (key: string, body: string, headers: Record<string, string>) =>
        fetch(`${sandbox.url}/${LEDGER}/${key}`, {
          method: "PUT",
          body,
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=sandbox/20261120/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00`,
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "content-encoding": "aws-chunked",
            ...headers,
          },
        });
      const signed = `5;chunk-signature=${"a".repeat(64)}\r\nhello\r\n0;chunk-signature=${"b".repeat(64)}\r\n\r\n`;
      expect((await put("signed.txt", signed, { "x-amz-decoded-content-length": "5" })).status).toBe(200);
      expect(sandbox.estate.bucket(LEDGER)?.objects.get("signed.txt")?.body.toString()).toBe("hello");

      const short = await put("short.txt", signed, { "x-amz-decoded-content-length": "6" });
      expect(short.status).toBe(400);
      expect(await short.text()).toContain("<Code>IncompleteBody</Code>");
      const garbled = await put("garbled.txt", "zz\r\nhello\r\n0\r\n\r\n", {
        "x-amz-decoded-content-length": "5",
      });
      expect(garbled.status).toBe(400);
      const unsized = await fetch(`${sandbox.url}/${LEDGER}/unsized.txt`, {
        method: "PUT",
        body: Readable.toWeb(Readable.from(["hello"])) as ReadableStream,
        duplex: "half",
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=sandbox/20261120/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00`,
        },
      } as RequestInit);
      expect(unsized.status).toBe(501);
      expect(await unsized.text()).toContain("<Header>Transfer-Encoding</Header>");
    });
  });

  it("keeps a gzip body and its Content-Encoding, and refuses a wrong checksum with BadDigest", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      const gzip = Buffer.from("1f8b0800000000000003cb48cdc9c9070086a61036050000", "hex");
      await client.send(
        new PutObjectCommand({ Bucket: LEDGER, Key: "g.json", Body: gzip, ContentEncoding: "gzip" }),
      );
      const got = await client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "g.json" }));
      expect(got.ContentEncoding).toBe("gzip");
      expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(gzip)).toBe(true);
      await expect(
        client.send(
          new PutObjectCommand({ Bucket: LEDGER, Key: "bad", Body: "hello", ChecksumCRC32: "AAAAAA==" }),
        ),
      ).rejects.toMatchObject({ name: "BadDigest", $metadata: { httpStatusCode: 400 } });
      expect(sandbox.estate.bucket(LEDGER)?.objects.has("bad")).toBe(false);
    });
  });

  it("applies If-None-Match: * and If-Match to writes", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      const put = (Body: string, condition: { IfNoneMatch?: string; IfMatch?: string }) =>
        client.send(new PutObjectCommand({ Bucket: LEDGER, Key: "lock.json", Body, ...condition }));
      const created = await put("v1", { IfNoneMatch: "*" });
      await expect(put("v1 again", { IfNoneMatch: "*" })).rejects.toMatchObject({
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412, attempts: 1 },
      });
      await expect(put("v2", { IfMatch: '"00000000000000000000000000000000"' })).rejects.toMatchObject({
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412 },
      });
      const updated = await put("v2", { IfMatch: created.ETag ?? "" });
      expect(updated.ETag).not.toBe(created.ETag);
      await expect(
        client.send(
          new PutObjectCommand({ Bucket: LEDGER, Key: "absent.json", Body: "x", IfMatch: created.ETag }),
        ),
      ).rejects.toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
      const body = await client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "lock.json" }));
      expect(await body.Body?.transformToString()).toBe("v2");
    });
  });

  it("lets exactly one of two If-Match writers and one of 20 If-None-Match creators win", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      // The SDK warns on every failed streaming request; 19 losers are expected here.
      const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
      const client = new S3Client({ ...clientConfig(sandbox), logger: quiet });
      const { ETag } = await client.send(
        new PutObjectCommand({ Bucket: LEDGER, Key: "cas.json", Body: "v0" }),
      );
      const writers = await Promise.allSettled(
        ["writer-a", "writer-b"].map((Body) =>
          client.send(new PutObjectCommand({ Bucket: LEDGER, Key: "cas.json", Body, IfMatch: ETag })),
        ),
      );
      expect(writers.filter((w) => w.status === "fulfilled")).toHaveLength(1);
      expect(
        writers.filter((w) => w.status === "rejected").map((w) => (w as PromiseRejectedResult).reason.name),
      ).toEqual(["PreconditionFailed"]);

      const creators = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          client.send(
            new PutObjectCommand({
              Bucket: LEDGER,
              Key: "new-lock.json",
              Body: Readable.from([`creator-${i}`]),
              ContentLength: `creator-${i}`.length,
              IfNoneMatch: "*",
            }),
          ),
        ),
      );
      const winners = creators.flatMap((c, i) => (c.status === "fulfilled" ? [i] : []));
      expect(winners).toHaveLength(1);
      const stored = sandbox.estate.bucket(LEDGER)?.objects.get("new-lock.json");
      expect(stored?.body.toString()).toBe(`creator-${winners[0]}`);
    });
  });

  it("answers an injected 409 ConditionalRequestConflict, which the SDK does not retry", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = new S3Client({ ...clientConfig(sandbox), maxAttempts: 3 });
      expect((await control(sandbox, "s3/conflicts", { count: 1 })).status).toBe(200);
      await client.send(new PutObjectCommand({ Bucket: LEDGER, Key: "plain.json", Body: "unconditional" }));
      await expect(
        client.send(new PutObjectCommand({ Bucket: LEDGER, Key: "c.json", Body: "x", IfNoneMatch: "*" })),
      ).rejects.toMatchObject({
        name: "ConditionalRequestConflict",
        $metadata: { httpStatusCode: 409, attempts: 1 },
      });
      await client.send(new PutObjectCommand({ Bucket: LEDGER, Key: "c.json", Body: "x", IfNoneMatch: "*" }));
      expect((await control(sandbox, "s3/conflicts", { count: -1 })).status).toBe(400);
    });
  });

  it("deletes with 204, also a key that is not there", async () => {
    await withSandbox(testSeed({ objects: ledgerObjects(["a.json"]) }), async (sandbox) => {
      const client = s3(sandbox);
      const deleted = await client.send(new DeleteObjectCommand({ Bucket: LEDGER, Key: "a.json" }));
      expect(deleted.$metadata.httpStatusCode).toBe(204);
      const again = await client.send(new DeleteObjectCommand({ Bucket: LEDGER, Key: "a.json" }));
      expect(again.$metadata.httpStatusCode).toBe(204);
      await expect(
        client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "a.json" })),
      ).rejects.toMatchObject({
        name: "NoSuchKey",
      });
    });
  });
});

describe("S3 access", () => {
  it("serves a presigned GET until it expires on the sandbox clock", async () => {
    await withSandbox(testSeed({ objects: ledgerObjects(["report.json"]) }), async (sandbox) => {
      const url = await getSignedUrl(
        s3(sandbox),
        new GetObjectCommand({ Bucket: LEDGER, Key: "report.json" }),
        {
          expiresIn: 300,
          signingDate: sandbox.estate.clock.now(),
        },
      );
      expect(url).toContain("X-Amz-Expires=300");
      const fresh = await fetch(url);
      expect(fresh.status).toBe(200);
      expect(await fresh.text()).toBe("body of report.json");

      await control(sandbox, "clock", { advance: "PT6M" });
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      const body = await expired.text();
      expect(body).toContain("<Code>AccessDenied</Code>");
      expect(body).toContain("<Message>Request has expired</Message>");
    });
  });

  it("keeps accounts apart and refuses unknown keys and the wrong region", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const prodBucket = await stateBucket(sandbox, "us-east-1", `sandbox-${PROD}`);
      await expect(s3(sandbox).send(new ListObjectsV2Command({ Bucket: prodBucket }))).rejects.toMatchObject({
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      });
      const own = await s3(sandbox, "us-east-1", `sandbox-${PROD}`).send(
        new ListObjectsV2Command({ Bucket: prodBucket }),
      );
      expect(own.Contents?.some((o) => o.Key === "app/shop/production.json")).toBe(true);

      await expect(
        s3(sandbox, "us-east-1", "AKIANOBODY").send(new ListObjectsV2Command({ Bucket: LEDGER })),
      ).rejects.toMatchObject({ name: "InvalidAccessKeyId", $metadata: { httpStatusCode: 403 } });
      const euBucket = await stateBucket(sandbox, "eu-west-1", `sandbox-${DEV}`);
      await expect(
        s3(sandbox, "us-east-1").send(new ListObjectsV2Command({ Bucket: euBucket })),
      ).rejects.toMatchObject({
        name: "AuthorizationHeaderMalformed",
        $metadata: { httpStatusCode: 400 },
      });
    });
  });

  it("answers injected faults with SlowDown and InternalError", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = s3(sandbox);
      await control(sandbox, "faults", {
        service: "s3",
        operation: "ListObjectsV2",
        kind: "throttle",
        count: 1,
      });
      await expect(client.send(new ListObjectsV2Command({ Bucket: LEDGER }))).rejects.toMatchObject({
        name: "SlowDown",
        $metadata: { httpStatusCode: 503 },
      });
      await control(sandbox, "faults", { service: "s3", operation: "GetObject", kind: "error", count: 1 });
      await expect(client.send(new GetObjectCommand({ Bucket: LEDGER, Key: "x" }))).rejects.toMatchObject({
        name: "InternalError",
        $metadata: { httpStatusCode: 500 },
      });
      const after = await client.send(new ListObjectsV2Command({ Bucket: LEDGER }));
      expect(after.KeyCount).toBe(0);
    });
  });
});
