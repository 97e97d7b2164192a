// What the Function URL handlers (Slack, GitHub) share: the event's raw body, and the answer when the
// deployment is not configured.
import { describeError } from "@stagekeeper/core/aws/clients";

/** The fields of a Function URL event (payload format 2.0) that the handlers read. */
export interface FunctionUrlEvent {
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The body exactly as sent: signatures are computed over these bytes. */
export function rawBody(event: FunctionUrlEvent): Buffer {
  return Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
}

/** A 500 that names no detail to the caller; the detail goes to the function's log. */
export function notConfigured(surface: string, error: unknown): FunctionUrlResult {
  console.error(`${surface}: not configured`, describeError(error));
  return {
    statusCode: 500,
    headers: { "content-type": "text/plain" },
    body: "Stagekeeper is not configured",
  };
}
