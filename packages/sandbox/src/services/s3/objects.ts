import { type Bucket, putObject, type StoredObject } from "../../estate/storage.js";
import { header, type SandboxRequest, type SandboxResponse } from "../../http.js";
import { type Checksum, decodeAwsChunked, verifyChecksums } from "./chunked.js";
import { byteRange, etagMatches, readPreconditions } from "./conditions.js";
import { requestIds, S3Error } from "./errors.js";

/** What S3 keeps with an object beyond the estate's StoredObject. */
export interface ObjectExtras {
  checksum?: Checksum;
  metadata: Record<string, string>;
}

export type Extras = WeakMap<StoredObject, ObjectExtras>;

const PRECONDITION_FAILED = "At least one of the pre-conditions you specified did not hold";

/** GetObject and HeadObject (WIRE.md §4.2): conditional reads, single byte ranges, the body byte for byte. */
export function readObject(
  req: SandboxRequest,
  bucket: Bucket,
  key: string,
  extras: Extras,
): SandboxResponse {
  const object = bucket.objects.get(key);
  if (!object) {
    // HEAD answers bodiless, which the SDK surfaces as NotFound.
    if (req.method === "HEAD") throw new S3Error("NotFound", "Not Found", 404);
    throw new S3Error("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
  }
  const validators = { etag: object.etag, "last-modified": object.lastModified.toUTCString() };
  const outcome = readPreconditions(req, object);
  if (outcome === "not-modified") return { status: 304, headers: { ...requestIds(), ...validators } };
  if (outcome) throw new S3Error("PreconditionFailed", PRECONDITION_FAILED, 412, { Condition: outcome });

  const extra = extras.get(object);
  const headers: Record<string, string> = {
    ...requestIds(),
    ...validators,
    "content-type": object.contentType ?? "binary/octet-stream",
    "accept-ranges": "bytes",
    "x-amz-server-side-encryption": "AES256",
    ...(object.contentEncoding ? { "content-encoding": object.contentEncoding } : {}),
    ...Object.fromEntries(Object.entries(extra?.metadata ?? {}).map(([k, v]) => [`x-amz-meta-${k}`, v])),
    ...responseOverrides(req.query),
  };
  const range = byteRange(header(req, "range"), object.body.length);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${object.body.length}`;
    return { status: 206, headers, body: object.body.subarray(range.start, range.end + 1) };
  }
  if (extra?.checksum && header(req, "x-amz-checksum-mode") === "ENABLED") {
    headers[`x-amz-checksum-${extra.checksum.algorithm.toLowerCase()}`] = extra.checksum.value;
    headers["x-amz-checksum-type"] = "FULL_OBJECT";
  }
  return { status: 200, headers, body: object.body };
}

/**
 * PutObject (WIRE.md §4.3–4.4): decodes aws-chunked bodies, verifies checksums, and applies If-None-Match: *
 * and If-Match. The server has read the whole body before this runs, and this runs without awaiting, so the
 * check and the write happen in one step: of concurrent conditional writers exactly one wins.
 */
export function writeObject(
  req: SandboxRequest,
  bucket: Bucket,
  key: string,
  extras: Extras,
  now: Date,
  takeConflict: () => boolean,
): SandboxResponse {
  if (Buffer.byteLength(key) > 1024) {
    throw new S3Error("KeyTooLongError", "Your key is too long", 400, {
      Size: String(Buffer.byteLength(key)),
    });
  }
  const { data, trailers } = payload(req);
  const fields: Record<string, string | undefined> = { ...flatHeaders(req), ...trailers };
  const checksum = verifyChecksums(data, fields);

  const ifMatch = header(req, "if-match");
  const ifNoneMatch = header(req, "if-none-match");
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") {
    throw new S3Error(
      "NotImplemented",
      "A header you provided implies functionality that is not implemented",
      501,
      {
        Header: "If-None-Match",
      },
    );
  }
  if ((ifMatch !== undefined || ifNoneMatch !== undefined) && takeConflict()) {
    throw new S3Error(
      "ConditionalRequestConflict",
      "The conditional request cannot succeed due to a conflicting operation against this resource.",
      409,
    );
  }
  const existing = bucket.objects.get(key);
  if (ifNoneMatch !== undefined && existing) {
    throw new S3Error("PreconditionFailed", PRECONDITION_FAILED, 412, { Condition: "If-None-Match" });
  }
  if (ifMatch !== undefined) {
    // moto's answer for If-Match on a missing key; AWS's own wording for this case is unverified (WIRE.md §10).
    if (!existing) throw new S3Error("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    if (!etagMatches(ifMatch, existing.etag)) {
      throw new S3Error("PreconditionFailed", PRECONDITION_FAILED, 412, { Condition: "If-Match" });
    }
  }

  const contentType = header(req, "content-type");
  const contentEncoding = storedEncoding(header(req, "content-encoding"));
  const stored = putObject(bucket, key, data, now, {
    ...(contentType ? { contentType } : {}),
    ...(contentEncoding ? { contentEncoding } : {}),
  });
  const metadata = Object.fromEntries(
    Object.entries(fields)
      .filter(([name, value]) => name.startsWith("x-amz-meta-") && value !== undefined)
      .map(([name, value]) => [name.slice("x-amz-meta-".length), String(value)]),
  );
  extras.set(stored, { ...(checksum ? { checksum } : {}), metadata });
  return {
    status: 200,
    headers: {
      ...requestIds(),
      etag: stored.etag,
      "x-amz-server-side-encryption": "AES256",
      ...(checksum
        ? {
            [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value,
            "x-amz-checksum-type": "FULL_OBJECT",
          }
        : {}),
    },
  };
}

/** DeleteObject: 204 whether or not the key exists. */
export function deleteObject(bucket: Bucket, key: string): SandboxResponse {
  bucket.objects.delete(key);
  return { status: 204, headers: requestIds() };
}

/** The object's bytes: the body itself, or the data inside aws-chunked framing. */
function payload(req: SandboxRequest): { data: Buffer; trailers: Record<string, string> } {
  const encodings = (header(req, "content-encoding") ?? "").split(",").map((e) => e.trim().toLowerCase());
  const streaming = (header(req, "x-amz-content-sha256") ?? "").startsWith("STREAMING-");
  const chunked = encodings.includes("aws-chunked") || streaming;
  const declared = header(req, chunked ? "x-amz-decoded-content-length" : "content-length");
  if (declared === undefined || !/^\d+$/.test(declared)) {
    // S3 takes no upload of unknown length: a stream sent without ContentLength fails like this on AWS too.
    if ((header(req, "transfer-encoding") ?? "").includes("chunked")) {
      throw new S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        501,
        {
          Header: "Transfer-Encoding",
        },
      );
    }
    throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.", 411);
  }
  if (!chunked) return { data: req.body, trailers: {} };
  const decoded = decodeAwsChunked(req.body);
  if (decoded.data.length !== Number(declared)) {
    throw new S3Error(
      "IncompleteBody",
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
    );
  }
  return decoded;
}

/** Content-Encoding without the transport's aws-chunked: a gzip (or other) encoding the caller set stays. */
function storedEncoding(value: string | undefined): string | undefined {
  const kept = (value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e && e.toLowerCase() !== "aws-chunked");
  return kept.length ? kept.join(",") : undefined;
}

function flatHeaders(req: SandboxRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(",") : (value ?? ""),
    ]),
  );
}

/** GetObject's response-* query parameters (ResponseContentType, ...) override the stored headers. */
function responseOverrides(query: URLSearchParams): Record<string, string> {
  const names = [
    "content-type",
    "content-language",
    "expires",
    "cache-control",
    "content-disposition",
    "content-encoding",
  ];
  const overrides: Record<string, string> = {};
  for (const name of names) {
    const value = query.get(`response-${name}`);
    if (value !== null) overrides[name] = value;
  }
  return overrides;
}
