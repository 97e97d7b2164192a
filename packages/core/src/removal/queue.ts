import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describeError } from "../aws/clients.js";
import { processRemoval, type WorkerDeps, type WorkerResult } from "./worker.js";

/** Handles one queue message body; throwing leaves the message on the queue to be delivered again. */
export type MessageHandler = (body: string) => Promise<unknown>;

export interface DrainResult {
  received: number;
  handled: number;
  failed: { messageId: string; error: string }[];
}

/**
 * Receives from the queue until it is empty (10 at a time, a short long poll) and hands each message to
 * `handle`: deleted when it succeeds, left to reappear after its visibility timeout when it throws. Used by
 * the CLI and the sandbox demo, which run the worker in-process instead of through the Lambda.
 */
export async function drainQueue(
  sqs: SQSClient,
  url: string,
  handle: MessageHandler,
  options: { waitSeconds?: number; maxMessages?: number } = {},
): Promise<DrainResult> {
  const result: DrainResult = { received: 0, handled: 0, failed: [] };
  const max = options.maxMessages ?? 1000;
  while (result.received < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max - result.received),
        WaitTimeSeconds: options.waitSeconds ?? 1,
      }),
    );
    if (Messages.length === 0) break;
    result.received += Messages.length;
    for (const message of Messages) {
      const messageId = message.MessageId ?? "";
      try {
        await handle(message.Body ?? "");
      } catch (error) {
        result.failed.push({ messageId, error: describeError(error) });
        continue;
      }
      if (message.ReceiptHandle) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      }
      result.handled++;
    }
  }
  return result;
}

/** The part of a Lambda SQS event record the handler reads. */
export interface SqsRecord {
  messageId: string;
  body: string;
}

/**
 * The SQS-triggered Lambda's batch handler (with ReportBatchItemFailures): messages are handled one after the
 * other, so duplicates in one batch see each other's ledger writes; the ones that threw are reported and come
 * back, the rest are deleted by Lambda.
 */
export async function handleSqsBatch(
  records: SqsRecord[],
  handle: MessageHandler,
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    try {
      await handle(record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/**
 * A message handler that runs the removal worker. A body that is not JSON is refused (and so deleted: it can
 * never succeed); ledger and network errors throw, so the message is delivered again.
 */
export function removalHandler(
  deps: WorkerDeps | (() => WorkerDeps),
): (body: string) => Promise<WorkerResult> {
  return async (body) => {
    const current = typeof deps === "function" ? deps() : deps;
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      request = undefined;
    }
    return processRemoval(current, request);
  };
}
