import { type SandboxResponse, ServiceError } from "../../http.js";

export const CONTENT_TYPE = "application/x-amz-json-1.0";

/**
 * The query-compatible error codes SQS sends in x-amzn-query-error ("<code>;<Sender|Receiver>") and the HTTP
 * status of each modelled error (client-sqs schemas: the awsQueryError and httpError traits).
 */
const ERRORS: Record<string, { query: string; status: number }> = {
  QueueDoesNotExist: { query: "AWS.SimpleQueueService.NonExistentQueue", status: 400 },
  QueueNameExists: { query: "QueueAlreadyExists", status: 400 },
  ReceiptHandleIsInvalid: { query: "ReceiptHandleIsInvalid", status: 404 },
  MessageNotInflight: { query: "AWS.SimpleQueueService.MessageNotInflight", status: 400 },
  EmptyBatchRequest: { query: "AWS.SimpleQueueService.EmptyBatchRequest", status: 400 },
  TooManyEntriesInBatchRequest: { query: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", status: 400 },
  BatchEntryIdsNotDistinct: { query: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", status: 400 },
  InvalidAddress: { query: "InvalidAddress", status: 404 },
  RequestThrottled: { query: "RequestThrottled", status: 403 },
};

export function fail(code: string, message: string): ServiceError {
  return new ServiceError(code, message, ERRORS[code]?.status ?? 400);
}

export const NO_QUEUE = "The specified queue does not exist.";

/** Adds x-amzn-query-error and the qualified __type that SQS's JSON errors carry. */
export function queryCompatible(response: SandboxResponse): SandboxResponse {
  if (response.status < 400 || response.body === undefined) return response;
  const body = JSON.parse(response.body.toString()) as { __type?: string; message?: string };
  const code = body.__type ?? "InternalFailure";
  const query = ERRORS[code]?.query ?? code;
  const fault = response.status >= 500 ? "Receiver" : "Sender";
  return {
    ...response,
    status: ERRORS[code]?.status ?? response.status,
    headers: { ...response.headers, "x-amzn-query-error": `${query};${fault}` },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: body.message }),
  };
}

/** A whole-number parameter within SQS's range, with SQS's InvalidParameterValue wording. */
export function integer(
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  reason: string,
): number | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw fail(
      "InvalidParameterValue",
      `Value ${String(value)} for parameter ${field} is invalid. Reason: ${reason}`,
    );
  }
  return value;
}

export function names(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** The entries named, "All" for every one, or a "prefix.*" pattern, as SQS selects attributes. */
export function pick<T>(values: Record<string, T>, wanted: string[]): Record<string, T> {
  if (wanted.includes("All") || wanted.includes(".*")) return { ...values };
  return Object.fromEntries(
    Object.entries(values).filter(([name]) =>
      wanted.some((w) => w === name || (w.endsWith(".*") && name.startsWith(w.slice(0, -1)))),
    ),
  );
}

/** XML 1.0 characters, the only ones SQS accepts in a message; a lone surrogate is not one. */
export function xmlCharacters(text: string): boolean {
  for (const char of text) {
    const c = char.codePointAt(0) ?? 0;
    const valid =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      c >= 0x10000;
    if (!valid) return false;
  }
  return true;
}
