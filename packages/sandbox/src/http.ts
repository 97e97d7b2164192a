import type { IncomingHttpHeaders } from "node:http";

/** A request as every sandbox service sees it: the body already read, byte for byte. */
export interface SandboxRequest {
  method: string;
  /** Percent-decoded; `rawPath` keeps the encoding (S3 keys may hold "/" and "%"). */
  path: string;
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** From the SigV4 Authorization header or a presigned URL's X-Amz-Credential. */
  credential?: { accessKeyId: string; region: string; service: string };
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function header(req: SandboxRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function xml(status: number, body: string, headers: Record<string, string> = {}): SandboxResponse {
  return {
    status,
    headers: { "content-type": "application/xml", ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function html(body: string): SandboxResponse {
  return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An error a service answers with, in its own protocol's shape (see each service's `fail`). */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export function parseCredential(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): SandboxRequest["credential"] {
  const authorization = headers.authorization;
  const source =
    typeof authorization === "string" ? authorization : `Credential=${query.get("X-Amz-Credential") ?? ""}`;
  const match = CREDENTIAL.exec(source);
  if (!match) return undefined;
  const [, accessKeyId = "", region = "", service = ""] = match;
  return { accessKeyId, region, service };
}
