import type { Clock } from "../../clock.js";
import { ServiceError } from "../../http.js";
import type { Caller } from "../aws-json.js";
import { fail, integer, names, pick, xmlCharacters } from "./protocol.js";
import {
  decodeReceipt,
  type Message,
  type MessageAttributeValue,
  type Queue,
  systemAttributes,
} from "./queues.js";
import type { QueueRegistry } from "./registry.js";

/** Long polls wait in real time, as SQS does, but never past its 20-second maximum. */
const MAX_WAIT_SECONDS = 20;
const VISIBILITY_RANGE = "Must be >= 0 and <= 43200, if provided.";

type Operation = (input: Record<string, unknown>, caller: Caller) => unknown;

/** SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage and ChangeMessageVisibility. */
export function messageOperations(queues: QueueRegistry, clock: Clock): Record<string, Operation> {
  function send(queue: Queue, entry: Record<string, unknown>, caller: Caller) {
    const body = checkBody(entry.MessageBody, queue);
    const delaySeconds = integer(entry, "DelaySeconds", 0, 900, "Must be >= 0 and <= 900, if provided.");
    const message = queue.send(body, clock.now(), {
      senderId: caller.principal.arn.split(":")[4] ?? caller.principal.account,
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
      ...(entry.MessageAttributes
        ? { attributes: entry.MessageAttributes as Record<string, MessageAttributeValue> }
        : {}),
      ...(typeof entry.MessageGroupId === "string" ? { groupId: entry.MessageGroupId } : {}),
      ...(typeof entry.MessageDeduplicationId === "string"
        ? { deduplicationId: entry.MessageDeduplicationId }
        : {}),
    });
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
    };
  }

  /** The message a receipt handle names in this queue; undefined when deleted or received again since. */
  function byReceipt(queue: Queue, handle: unknown): Message | undefined {
    const receipt = decodeReceipt(handle);
    if (!receipt || receipt.q !== queue.arn) {
      throw fail(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
      );
    }
    return queue.held(receipt);
  }

  return {
    SendMessage: (input, caller) => send(queues.byUrl(input, caller), input, caller),

    SendMessageBatch(input, caller) {
      const queue = queues.byUrl(input, caller);
      const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
      if (entries.length === 0) {
        throw fail(
          "EmptyBatchRequest",
          "There should be at least one SendMessageBatchRequestEntry in the request.",
        );
      }
      if (entries.length > 10) {
        throw fail(
          "TooManyEntriesInBatchRequest",
          `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        );
      }
      const ids = entries.map((e) => String(e.Id ?? ""));
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated !== undefined) throw fail("BatchEntryIdsNotDistinct", `Id ${repeated} repeated.`);
      const Successful: Record<string, unknown>[] = [];
      const Failed: Record<string, unknown>[] = [];
      for (const entry of entries) {
        try {
          Successful.push({ Id: entry.Id, ...send(queue, entry, caller) });
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful, Failed };
    },

    async ReceiveMessage(input, caller) {
      const queue = queues.byUrl(input, caller);
      const max = integer(input, "MaxNumberOfMessages", 1, 10, "Must be between 1 and 10, if provided.") ?? 1;
      const visibility =
        integer(input, "VisibilityTimeout", 0, 43_200, VISIBILITY_RANGE) ?? queue.visibilityTimeout;
      const wait =
        integer(input, "WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20, if provided.") ??
        Number(queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
      const deadline = Date.now() + Math.min(wait, MAX_WAIT_SECONDS) * 1000;
      while (queue.visible(clock.now()).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50).unref());
      }
      const system = names(input.MessageSystemAttributeNames ?? input.AttributeNames);
      const custom = names(input.MessageAttributeNames);
      const received = queue.receive(clock.now(), max, visibility);
      if (received.length === 0) return {};
      return {
        Messages: received.map(({ message, receiptHandle }) => {
          const attributes = pick(systemAttributes(message), system);
          const messageAttributes = pick(message.attributes, custom);
          return {
            MessageId: message.id,
            ReceiptHandle: receiptHandle,
            MD5OfBody: message.md5OfBody,
            Body: message.body,
            ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
            ...(Object.keys(messageAttributes).length
              ? { MessageAttributes: messageAttributes, MD5OfMessageAttributes: message.md5OfAttributes }
              : {}),
          };
        }),
      };
    },

    DeleteMessage(input, caller) {
      const queue = queues.byUrl(input, caller);
      const message = byReceipt(queue, input.ReceiptHandle);
      // A stale handle (the message was received again since) succeeds without deleting, as SQS documents.
      if (message) queue.remove(message);
      return {};
    },

    ChangeMessageVisibility(input, caller) {
      const queue = queues.byUrl(input, caller);
      const message = byReceipt(queue, input.ReceiptHandle);
      const seconds = integer(input, "VisibilityTimeout", 0, 43_200, VISIBILITY_RANGE) ?? 0;
      if (!message) {
        throw fail(
          "InvalidParameterValue",
          `Value ${String(input.ReceiptHandle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
        );
      }
      const now = clock.now().getTime();
      if (message.visibleAt <= now)
        throw fail("MessageNotInflight", "The message referred to isn't in flight.");
      message.visibleAt = now + seconds * 1000;
      return {};
    },
  };
}

function checkBody(body: unknown, queue: Queue): string {
  if (typeof body !== "string" || body === "") {
    throw fail("MissingParameter", "The request must contain the parameter MessageBody.");
  }
  const limit = Number(queue.attributes.MaximumMessageSize);
  if (Buffer.byteLength(body) > limit) {
    throw fail(
      "InvalidParameterValue",
      `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
    );
  }
  if (!xmlCharacters(body)) {
    throw fail(
      "InvalidMessageContents",
      "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    );
  }
  return body;
}
