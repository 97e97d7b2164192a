import { randomBytes } from "node:crypto";
import { type SandboxResponse, ServiceError } from "../../http.js";

/** An S3 error: its code, message, status and the extra elements S3 puts in the error body. */
export class S3Error extends ServiceError {
  constructor(
    code: string,
    message: string,
    status = 400,
    readonly details: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, status);
  }
}

export const NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** Like escapeXml, but also keeps CR and LF in keys: the SDK's XML parser folds raw "\r\n" into "\n". */
export function xmlText(text: string): string {
  return text.replace(/[<>&'"\r\n]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function element(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlText(String(value))}</${name}>`;
}

/** The headers S3 puts on every response. */
export function requestIds(): Record<string, string> {
  return {
    "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
    "x-amz-id-2": randomBytes(48).toString("base64"),
  };
}

/** `<Error><Code/><Message/>...<Resource/><RequestId/><HostId/></Error>`; HEAD answers carry no body. */
export function errorResponse(error: S3Error, resource: string, method: string): SandboxResponse {
  const ids = requestIds();
  const headers = { ...ids, ...error.headers };
  if (method === "HEAD") return { status: error.status, headers };
  const details = Object.entries(error.details).map(([name, value]) => element(name, value));
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
    element("Code", error.code),
    element("Message", error.message),
    ...details,
    element("Resource", resource),
    element("RequestId", ids["x-amz-request-id"] ?? ""),
    element("HostId", ids["x-amz-id-2"] ?? ""),
    "</Error>",
  ].join("");
  return { status: error.status, headers: { "content-type": "application/xml", ...headers }, body };
}
