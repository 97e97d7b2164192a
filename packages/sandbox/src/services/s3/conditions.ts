import type { StoredObject } from "../../estate/storage.js";
import { header, type SandboxRequest } from "../../http.js";
import { S3Error } from "./errors.js";

/** RFC 7232 §6 order, as S3 documents it: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since. */
export function readPreconditions(
  req: SandboxRequest,
  object: StoredObject,
): "If-Match" | "If-Unmodified-Since" | "not-modified" | undefined {
  const modified = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  const ifMatch = header(req, "if-match");
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) return "If-Match";
  } else {
    const since = httpDate(header(req, "if-unmodified-since"));
    if (since !== undefined && modified > since) return "If-Unmodified-Since";
  }
  const ifNoneMatch = header(req, "if-none-match");
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, object.etag) ? "not-modified" : undefined;
  const since = httpDate(header(req, "if-modified-since"));
  if (since !== undefined && modified <= since) return "not-modified";
  return undefined;
}

export function etagMatches(condition: string, etag: string): boolean {
  const bare = (tag: string) =>
    tag
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
  return condition.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range; anything else is ignored, as S3 does. */
export function byteRange(
  value: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  const match = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [, first = "", last = ""] = match;
  if (first !== "" && last !== "" && Number(last) < Number(first)) return undefined;
  let start: number;
  let end: number;
  if (first === "") {
    start = Math.max(0, size - Number(last));
    end = size - 1;
  } else {
    start = Number(first);
    end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  }
  if (start >= size || (first === "" && Number(last) === 0)) {
    throw new S3Error("InvalidRange", "The requested range is not satisfiable", 416, {
      RangeRequested: value ?? "",
      ActualObjectSize: String(size),
    });
  }
  return { start, end };
}
