import type { Clock } from "../../clock.js";
import { json, type SandboxRequest, type SandboxResponse } from "../../http.js";
import { type Message, type Queue, systemAttributes } from "./queues.js";

interface Target {
  queue: string;
  url: string;
  batchSize: number;
  busy: boolean;
}

export interface DeliveryRecord {
  queue: string;
  at: string;
  messageIds: string[];
  result: "deleted" | "partial" | "failed";
  detail?: string;
}

/** Batches one tick may send to one target, so a long backlog drains quickly without starving other work. */
const BATCHES_PER_TICK = 10;

/**
 * Delivery of a queue's messages to an HTTP target as a Lambda SQS event source mapping does: a batch of
 * received messages in `{"Records": [...]}`; a 2xx deletes them except those named in `batchItemFailures`; any
 * other answer leaves the whole batch in flight, to come back when its visibility timeout runs out.
 */
export class Delivery {
  private readonly byQueue = new Map<string, Target>();
  readonly log: DeliveryRecord[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly queues: () => Queue[],
  ) {}

  configure(req: SandboxRequest): SandboxResponse {
    try {
      const body = JSON.parse(req.body.toString("utf8") || "{}") as {
        queue?: unknown;
        url?: unknown;
        batchSize?: unknown;
      };
      const queue = this.queues().find((q) => q.name === body.queue);
      if (!queue) throw new Error(`no queue named ${JSON.stringify(body.queue)}`);
      if (body.url === null) {
        this.byQueue.delete(queue.name);
        return json(200, { targets: this.targets() });
      }
      if (typeof body.url !== "string") throw new Error('send {"queue", "url": "http://...", "batchSize"}');
      new URL(body.url);
      const batchSize = body.batchSize ?? 10;
      if (
        !(typeof batchSize === "number" && Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10)
      ) {
        throw new Error("batchSize must be a whole number from 1 to 10");
      }
      this.byQueue.set(queue.name, { queue: queue.name, url: body.url, batchSize, busy: false });
      return json(200, { targets: this.targets() });
    } catch (error) {
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  targets(): { queue: string; url: string; batchSize: number }[] {
    return [...this.byQueue.values()].map(({ queue, url, batchSize }) => ({ queue, url, batchSize }));
  }

  async deliver(): Promise<void> {
    await Promise.all(
      [...this.byQueue.values()].map(async (target) => {
        const queue = this.queues().find((q) => q.name === target.queue);
        if (!queue || target.busy) return;
        target.busy = true;
        try {
          for (let i = 0; i < BATCHES_PER_TICK; i++) {
            if (!(await this.deliverBatch(queue, target))) break;
          }
        } finally {
          target.busy = false;
        }
      }),
    );
  }

  /** Sends one batch; true when it was fully handled and more may follow. */
  private async deliverBatch(queue: Queue, target: Target): Promise<boolean> {
    const batch = queue.receive(this.clock.now(), target.batchSize, queue.visibilityTimeout);
    if (batch.length === 0) return false;
    const records = batch.map(({ message, receiptHandle }) => lambdaRecord(queue, message, receiptHandle));
    const messageIds = batch.map((b) => b.message.id);
    const record = (result: DeliveryRecord["result"], detail?: string) =>
      this.log.push({
        queue: queue.name,
        at: this.clock.now().toISOString(),
        messageIds,
        result,
        ...(detail ? { detail } : {}),
      });
    let status: number;
    let text: string;
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Records: records }),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      record("failed", error instanceof Error ? error.message : String(error));
      return false;
    }
    if (status < 200 || status > 299) {
      record("failed", `HTTP ${status}`);
      return false;
    }
    const failures = batchItemFailures(text, messageIds);
    if (failures === "invalid") {
      record("failed", "invalid batchItemFailures: the whole batch is retried");
      return false;
    }
    for (const { message } of batch) {
      if (
        !failures.includes(message.id) &&
        queue.held({ q: queue.arn, m: message.id, n: message.receipt ?? "" })
      ) {
        queue.remove(message);
      }
    }
    record(
      failures.length ? "partial" : "deleted",
      failures.length ? `kept ${failures.join(", ")}` : undefined,
    );
    return true;
  }
}

/**
 * The ids a partial-batch response keeps. Lambda treats an empty or unknown itemIdentifier as a failure of the
 * whole batch; a body without batchItemFailures means every message succeeded.
 */
function batchItemFailures(text: string, ids: string[]): string[] | "invalid" {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const failures = (body as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return "invalid";
  const kept: string[] = [];
  for (const item of failures) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !ids.includes(id)) return "invalid";
    kept.push(id);
  }
  return kept;
}

function lambdaRecord(queue: Queue, message: Message, receiptHandle: string): Record<string, unknown> {
  return {
    messageId: message.id,
    receiptHandle,
    body: message.body,
    attributes: systemAttributes(message),
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        {
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType,
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
}
