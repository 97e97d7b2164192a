import type { Principal } from "../../estate/estate.js";
import type { Bucket } from "../../estate/storage.js";
import { header, json, type SandboxRequest, type SandboxResponse } from "../../http.js";
import type { SandboxContext, Service } from "../service.js";
import { errorResponse, NAMESPACE, requestIds, S3Error, xmlText } from "./errors.js";
import { listObjectsV2 } from "./list.js";
import { deleteObject, type Extras, readObject, writeObject } from "./objects.js";

/**
 * S3 over path-style REST-XML (WIRE.md §4). It claims every request no other service claims. Each account
 * sees only its own buckets; a bucket answers only in its own region, as a regional S3 endpoint does.
 */
export function s3Service(ctx: SandboxContext): Service {
  const extras: Extras = new WeakMap();
  let pendingConflicts = 0;
  const takeConflict = () => {
    if (pendingConflicts === 0) return false;
    pendingConflicts--;
    return true;
  };
  const fail = (error: S3Error) => errorResponse(error, "", "GET");

  return {
    name: "s3",
    claims: () => true,
    operation: (req) => operationOf(req),
    throttled: () => fail(new S3Error("SlowDown", "Please reduce your request rate.", 503)),
    unavailable: () =>
      fail(new S3Error("InternalError", "We encountered an internal error. Please try again.", 500)),
    control: {
      /** The next N conditional PutObjects answer 409 ConditionalRequestConflict. */
      "POST /_sandbox/s3/conflicts": (req) => {
        let count: unknown;
        try {
          ({ count } = JSON.parse(req.body.toString("utf8") || "{}") as { count?: unknown });
        } catch {
          count = undefined;
        }
        if (!(typeof count === "number" && Number.isInteger(count) && count >= 0)) {
          return json(400, { error: 'send {"count": N}, N a whole number' });
        }
        pendingConflicts = count;
        return json(200, { pending: pendingConflicts });
      },
    },
    handle(req, operation) {
      const { bucket: name, key } = target(req.path);
      try {
        const principal = authenticate(ctx, req);
        if (!name) throw notImplemented(operation);
        const bucket = ctx.estate.bucket(name);
        if (!bucket) {
          throw new S3Error("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
        }
        authorize(req, principal, bucket, operation);
        switch (operation) {
          case "ListObjectsV2":
            return xmlResponse(listObjectsV2(bucket, req.query, extras));
          case "GetObject":
          case "HeadObject":
            return readObject(req, bucket, key, extras);
          case "PutObject":
            return writeObject(req, bucket, key, extras, ctx.estate.clock.now(), takeConflict);
          case "DeleteObject":
            return deleteObject(bucket, key);
          case "HeadBucket":
            return { status: 200, headers: { ...requestIds(), "x-amz-bucket-region": bucket.region } };
          case "GetBucketLocation": {
            const location = bucket.region === "us-east-1" ? "" : bucket.region;
            return xmlResponse(
              `<LocationConstraint xmlns="${NAMESPACE}">${xmlText(location)}</LocationConstraint>`,
            );
          }
          default:
            throw notImplemented(operation);
        }
      } catch (error) {
        if (error instanceof S3Error) return errorResponse(error, req.path, req.method);
        throw error;
      }
    },
  };
}

function target(path: string): { bucket: string; key: string } {
  const [, bucket = "", ...rest] = path.split("/");
  return { bucket, key: rest.join("/") };
}

function operationOf(req: SandboxRequest): string {
  const { bucket, key } = target(req.path);
  const { query, method } = req;
  if (!bucket) return method === "GET" ? "ListBuckets" : "Unknown";
  if (!key) {
    if (method === "GET") {
      if (query.get("list-type") === "2") return "ListObjectsV2";
      return query.has("location") ? "GetBucketLocation" : "ListObjects";
    }
    if (method === "POST") return query.has("delete") ? "DeleteObjects" : "PostObject";
    return { HEAD: "HeadBucket", PUT: "CreateBucket", DELETE: "DeleteBucket" }[method] ?? "Unknown";
  }
  switch (method) {
    case "GET":
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      if (header(req, "x-amz-copy-source")) return "CopyObject";
      return query.has("uploadId") ? "UploadPart" : "PutObject";
    case "DELETE":
      return query.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    case "POST":
      return query.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
    default:
      return "Unknown";
  }
}

/** Who is calling: SigV4 credentials in the header or a presigned URL's query, the latter within its expiry. */
function authenticate(ctx: SandboxContext, req: SandboxRequest): Principal {
  const accessKeyId = req.credential?.accessKeyId;
  if (!accessKeyId) throw accessDenied();
  if (!ctx.estate.credentials.has(accessKeyId)) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      403,
      { AWSAccessKeyId: accessKeyId },
    );
  }
  const principal = ctx.estate.principal(accessKeyId);
  if (!principal) throw new S3Error("ExpiredToken", "The provided token has expired.", 400);
  if (req.query.has("X-Amz-Expires")) checkPresignedExpiry(req.query, ctx.estate.clock.now());
  return principal;
}

const WEEK_SECONDS = 604_800;

function checkPresignedExpiry(query: URLSearchParams, now: Date): void {
  const expiresText = query.get("X-Amz-Expires") ?? "";
  const signed = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(query.get("X-Amz-Date") ?? "");
  const queryError = (message: string) => new S3Error("AuthorizationQueryParametersError", message);
  if (!/^\d+$/.test(expiresText)) throw queryError("X-Amz-Expires should be a number");
  const expires = Number(expiresText);
  if (expires > WEEK_SECONDS) {
    throw queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${WEEK_SECONDS}`);
  }
  if (!signed) throw queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  const [, y, mo, d, h, mi, s] = signed;
  const signedAt = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  const expiresAt = new Date(signedAt + expires * 1000);
  if (now > expiresAt) {
    throw new S3Error("AccessDenied", "Request has expired", 403, {
      "X-Amz-Expires": expiresText,
      Expires: expiresAt.toISOString(),
      ServerTime: now.toISOString(),
    });
  }
}

/** Accounts are isolated, and a regional endpoint refuses a request signed for another region. */
function authorize(req: SandboxRequest, principal: Principal, bucket: Bucket, operation: string): void {
  const region = req.credential?.region ?? "";
  const anyRegion = operation === "HeadBucket" || operation === "GetBucketLocation";
  if (!anyRegion && region !== bucket.region) {
    const presigned = req.query.has("X-Amz-Credential");
    throw new S3Error(
      presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
      presigned
        ? `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${bucket.region}'`
        : `The authorization header is malformed; the region '${region}' is wrong; expecting '${bucket.region}'`,
      400,
      { Region: bucket.region },
      { "x-amz-bucket-region": bucket.region },
    );
  }
  if (principal.account !== bucket.account) throw accessDenied();
}

function accessDenied(): S3Error {
  return new S3Error("AccessDenied", "Access Denied", 403);
}

function notImplemented(operation: string): S3Error {
  return new S3Error(
    "NotImplemented",
    `A header you provided implies functionality that is not implemented (the sandbox does not serve ${operation})`,
    501,
  );
}

function xmlResponse(body: string): SandboxResponse {
  return {
    status: 200,
    headers: { ...requestIds(), "content-type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}
