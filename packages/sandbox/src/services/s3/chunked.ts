import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { S3Error } from "./errors.js";

/**
 * The aws-chunked content encoding the SDK uses for stream bodies (WIRE.md §4.4): chunks framed as
 * `<hex-size>[;chunk-signature=...]\r\n<data>\r\n`, a zero-size chunk, then trailer headers such as
 * `x-amz-checksum-crc32:<base64>` and an empty line. s3rver stored this framing as the object; we decode it.
 */
export function decodeAwsChunked(framed: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = framed.indexOf("\r\n", at);
    if (lineEnd < 0) throw malformed("a chunk header is not terminated");
    const sizeText = framed.subarray(at, lineEnd).toString("latin1").split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw malformed(`invalid chunk size ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) break;
    if (at + size + 2 > framed.length || framed.toString("latin1", at + size, at + size + 2) !== "\r\n") {
      throw malformed("a chunk is shorter than its declared size");
    }
    chunks.push(framed.subarray(at, at + size));
    at += size + 2;
  }
  const trailers: Record<string, string> = {};
  // The SDK ends with `0\r\n` alone when it sends no trailer; the spec adds a closing empty line.
  for (const line of framed.subarray(at).toString("latin1").split("\r\n")) {
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon < 1) throw malformed(`invalid trailer ${JSON.stringify(line)}`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

function malformed(detail: string): S3Error {
  return new S3Error("InvalidRequest", `The aws-chunked request body is malformed: ${detail}.`);
}

export interface Checksum {
  algorithm: string;
  value: string;
}

const ALGORITHMS: Record<string, ((data: Buffer) => string) | undefined> = {
  CRC32: (data) => {
    const digest = Buffer.alloc(4);
    digest.writeUInt32BE(crc32(data));
    return digest.toString("base64");
  },
  SHA1: (data) => createHash("sha1").update(data).digest("base64"),
  SHA256: (data) => createHash("sha256").update(data).digest("base64"),
  // CRC32C and CRC64NVME are accepted as sent: Node has no implementation of them.
  CRC32C: undefined,
  CRC64NVME: undefined,
};

/**
 * Verifies the `x-amz-checksum-*` value sent as a header or a trailer and Content-MD5, as S3 does (400 BadDigest
 * on a mismatch). Returns the checksum to keep with the object, as S3 keeps it for GetObject's checksum mode.
 */
export function verifyChecksums(
  data: Buffer,
  fields: Record<string, string | undefined>,
): Checksum | undefined {
  const md5 = fields["content-md5"];
  if (md5 !== undefined) {
    if (Buffer.from(md5, "base64").length !== 16) {
      throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    if (createHash("md5").update(data).digest("base64") !== md5) {
      throw new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
    }
  }
  let kept: Checksum | undefined;
  for (const [algorithm, digest] of Object.entries(ALGORITHMS)) {
    const value = fields[`x-amz-checksum-${algorithm.toLowerCase()}`];
    if (value === undefined) continue;
    if (digest && digest(data) !== value) {
      throw new S3Error("BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`);
    }
    kept ??= { algorithm, value };
  }
  return kept;
}
