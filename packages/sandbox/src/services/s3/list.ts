import { createHash } from "node:crypto";
import type { Bucket, StoredObject } from "../../estate/storage.js";
import { derivedCache } from "../../estate/versioned.js";
import { element, NAMESPACE, S3Error } from "./errors.js";
import type { Extras } from "./objects.js";

const MAX_KEYS = 1000;

/**
 * ListObjectsV2 (WIRE.md §4.1): keys in UTF-8 binary order, `CommonPrefixes` rolled up at the delimiter (each
 * counts as one key against MaxKeys), and an opaque continuation token that names the last entry returned.
 */
export function listObjectsV2(bucket: Bucket, query: URLSearchParams, extras: Extras): string {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const startAfter = query.get("start-after");
  const token = query.get("continuation-token");
  const encodingType = query.get("encoding-type");
  if (encodingType !== null && encodingType !== "url") {
    throw invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
  }
  const maxKeys = parseMaxKeys(query.get("max-keys"));
  // A token names the last key or common prefix returned; it wins over start-after, which names a key.
  const resumeAfter = token !== null ? readToken(token, bucket.name) : undefined;
  const limit = Math.min(maxKeys, MAX_KEYS);
  const encode = encodingType === "url" ? encodeKey : (text: string) => text;

  const contents: StoredObject[] = [];
  const prefixes: string[] = [];
  let last = "";
  let truncated = false;
  for (const key of sortedKeys(bucket)) {
    if (!key.startsWith(prefix)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut >= 0 ? key.slice(0, cut + delimiter.length) : key;
    if (resumeAfter !== undefined && compareUtf8(entry, resumeAfter) <= 0) continue;
    if (resumeAfter === undefined && startAfter && compareUtf8(key, startAfter) <= 0) continue;
    if (entry === last) continue;
    if (contents.length + prefixes.length >= limit) {
      truncated = limit > 0;
      break;
    }
    const object = bucket.objects.get(key);
    if (cut >= 0) prefixes.push(entry);
    else if (object) contents.push(object);
    last = entry;
  }

  const owner = `<Owner><ID>${canonicalId(bucket.account)}</ID></Owner>`;
  const parts = [
    `<ListBucketResult xmlns="${NAMESPACE}">`,
    element("Name", bucket.name),
    element("Prefix", encode(prefix)),
    delimiter ? element("Delimiter", encode(delimiter)) : "",
    element("MaxKeys", maxKeys),
    encodingType ? element("EncodingType", encodingType) : "",
    element("KeyCount", contents.length + prefixes.length),
    element("IsTruncated", truncated),
    token !== null ? element("ContinuationToken", token) : "",
    truncated ? element("NextContinuationToken", makeToken(bucket.name, last)) : "",
    startAfter !== null ? element("StartAfter", encode(startAfter)) : "",
    ...contents.map((object) => {
      const checksum = extras.get(object)?.checksum;
      return [
        "<Contents>",
        element("Key", encode(object.key)),
        element("LastModified", wholeSeconds(object.lastModified)),
        element("ETag", object.etag),
        checksum ? element("ChecksumAlgorithm", checksum.algorithm) : "",
        checksum ? element("ChecksumType", "FULL_OBJECT") : "",
        element("Size", object.body.length),
        query.get("fetch-owner") === "true" ? owner : "",
        element("StorageClass", "STANDARD"),
        "</Contents>",
      ].join("");
    }),
    ...prefixes.map((p) => `<CommonPrefixes>${element("Prefix", encode(p))}</CommonPrefixes>`),
    "</ListBucketResult>",
  ];
  return parts.join("");
}

/** S3 keeps LastModified to the second; listings show it with ".000" milliseconds. */
function wholeSeconds(time: Date): string {
  return new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString();
}

function parseMaxKeys(raw: string | null): number {
  if (raw === null) return MAX_KEYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 2_147_483_647) {
    throw invalidArgument("Provided max-keys not an integer or within integer range", "max-keys", raw);
  }
  // S3 echoes what was asked for and returns at most 1,000 keys.
  return value;
}

function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value });
}

function makeToken(bucket: string, last: string): string {
  return Buffer.from(JSON.stringify({ b: bucket, k: last })).toString("base64");
}

function readToken(token: string, bucket: string): string {
  const bytes = Buffer.from(token, "base64");
  let decoded: unknown;
  try {
    if (!token || bytes.toString("base64") !== token) throw new Error("not base64");
    decoded = JSON.parse(bytes.toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const { b, k } = (decoded ?? {}) as { b?: unknown; k?: unknown };
  if (b !== bucket || typeof k !== "string") {
    throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
  }
  return k;
}

const ordered = derivedCache<string, unknown, string[]>();

/** The bucket's keys in S3's order, sorted once per change of the bucket. */
function sortedKeys(bucket: Bucket): string[] {
  return ordered(bucket.objects, "keys", () => [...bucket.objects.keys()].sort(compareUtf8));
}

/**
 * Compares strings in UTF-8 byte order without encoding them: UTF-16 order differs only where a surrogate
 * (U+D800–DFFF) meets a code unit from U+E000–FFFF, which UTF-8 puts below every supplementary character.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return utf8Rank(x) - utf8Rank(y);
    return x - y;
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800 && unit < 0xe000) return unit + 0x2000;
  return unit;
}

function encodeKey(key: string): string {
  // S3's URL encoding of keys keeps "/" and encodes spaces as "+".
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

function canonicalId(account: string): string {
  return createHash("sha256").update(`canonical/${account}`).digest("hex");
}
