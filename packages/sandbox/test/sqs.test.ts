import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, testSeed, withSandbox } from "./fixtures.js";

const QUEUE = "stagekeeper-removals";

interface LambdaRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, unknown>;
  md5OfBody: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
}

function client(sandbox: Sandbox, region = "us-east-1") {
  return new SQSClient(clientConfig(sandbox, region, `sandbox-${DEV}`));
}

async function queueUrl(sqs: SQSClient): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
  if (!QueueUrl) throw new Error("no queue url");
  return QueueUrl;
}

async function counts(sqs: SQSClient, QueueUrl: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return [
    Number(Attributes?.ApproximateNumberOfMessages),
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  ];
}

async function rejection(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { attempts?: number; httpStatusCode?: number }; Code?: string }) | undefined;
  if (!error) throw new Error("expected the call to fail");
  return error;
}

describe("SQS queues", () => {
  it("sends, receives and deletes a message", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const sqs = client(sandbox);
      const QueueUrl = await queueUrl(sqs);
      expect(QueueUrl).toBe(`${sandbox.url}/${DEV}/${QUEUE}`);
      // The SDK checks MD5OfMessageBody itself and throws on a mismatch.
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"stage":"pr-12"} ✓' }));
      expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);

      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      expect(Messages).toHaveLength(1);
      const [message] = Messages ?? [];
      expect(message?.Body).toBe('{"stage":"pr-12"} ✓');
      expect(message?.MessageId).toBe(sent.MessageId);
      expect(message?.Attributes?.ApproximateReceiveCount).toBe("1");
      const sentAt = Number(message?.Attributes?.SentTimestamp);
      expect(Math.abs(sentAt - sandbox.clock.now().getTime())).toBeLessThan(5000);
      expect(await counts(sqs, QueueUrl)).toEqual([0, 1]);

      const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      expect(empty.Messages).toBeUndefined();

      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
      expect(await counts(sqs, QueueUrl)).toEqual([0, 0]);
    });
  });

  it("makes a message visible again after its visibility timeout, on the sandbox clock", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const sqs = client(sandbox);
      const QueueUrl = await queueUrl(sqs);
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "remove shop/pr-12" }));
      const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 30 })))
        .Messages?.[0];
      sandbox.clock.advance("PT29S");
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
      sandbox.clock.advance("PT2S");
      const second = (
        await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ["All"] }))
      ).Messages?.[0];
      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");

      // The first receipt handle is stale: deleting with it succeeds but leaves the message.
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
      expect(await counts(sqs, QueueUrl)).toEqual([0, 1]);

      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: second?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      expect(await counts(sqs, QueueUrl)).toEqual([1, 0]);
      const notInFlight = await rejection(
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl,
            ReceiptHandle: second?.ReceiptHandle,
            VisibilityTimeout: 10,
          }),
        ),
      );
      expect(notInFlight.name).toBe("MessageNotInflight");

      const third = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0];
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: third?.ReceiptHandle }));
      expect(await counts(sqs, QueueUrl)).toEqual([0, 0]);
    });
  });

  it("answers with SQS's query-compatible errors", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const sqs = client(sandbox);
      const QueueUrl = await queueUrl(sqs);
      const unknown = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" })));
      expect(unknown.name).toBe("QueueDoesNotExist");
      expect(unknown.Code).toBe("AWS.SimpleQueueService.NonExistentQueue");
      expect(unknown.$metadata?.httpStatusCode).toBe(400);
      const elsewhere = await rejection(
        client(sandbox, "eu-west-1").send(new GetQueueUrlCommand({ QueueName: QUEUE })),
      );
      expect(elsewhere.name).toBe("QueueDoesNotExist");
      const missing = await rejection(
        sqs.send(new SendMessageCommand({ QueueUrl: `${sandbox.url}/${DEV}/nope`, MessageBody: "x" })),
      );
      expect(missing.name).toBe("QueueDoesNotExist");

      const invalid = await rejection(
        sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: "garbage" })),
      );
      expect(invalid.name).toBe("ReceiptHandleIsInvalid");
      expect(invalid.message).toBe('The input receipt handle "garbage" is not a valid receipt handle.');

      const tooMany = await rejection(
        sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })),
      );
      expect(tooMany.name).toBe("InvalidParameterValue");
      const empty = await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })));
      expect(empty.name).toBe("EmptyBatchRequest");
    });
  });

  it("creates queues, sends batches with attributes, and long-polls in real time", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const sqs = client(sandbox);
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: "removals-dlq", Attributes: { VisibilityTimeout: "60" } }),
      );
      expect(QueueUrl).toBe(`${sandbox.url}/${DEV}/removals-dlq`);
      const same = await sqs.send(new CreateQueueCommand({ QueueName: "removals-dlq" }));
      expect(same.QueueUrl).toBe(QueueUrl);
      const conflict = await rejection(
        sqs.send(
          new CreateQueueCommand({ QueueName: "removals-dlq", Attributes: { VisibilityTimeout: "5" } }),
        ),
      );
      expect(conflict.name).toBe("QueueNameExists");

      const attributes = { SellerName: { DataType: "String", StringValue: "Example Store" } };
      const batch = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: "a", MessageBody: "one", MessageAttributes: attributes },
            { Id: "b", MessageBody: "two" },
          ],
        }),
      );
      expect(batch.Successful?.map((e) => e.Id)).toEqual(["a", "b"]);
      // A known digest of SQS's attribute encoding (the same value other SQS implementations test against).
      expect(batch.Successful?.[0]?.MD5OfMessageAttributes).toBe("cd28f3b68aeee4b2eac9c66f2f694b58");

      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }),
      );
      expect(Messages?.map((m) => m.Body)).toEqual(["one", "two"]);
      expect(Messages?.[0]?.MessageAttributes?.SellerName?.StringValue).toBe("Example Store");
      expect(Messages?.[0]?.MD5OfMessageAttributes).toBe("cd28f3b68aeee4b2eac9c66f2f694b58");

      const waited = Date.now();
      const [polled] = await Promise.all([
        sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 })),
        new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
          sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "late" })),
        ),
      ]);
      expect(polled.Messages?.[0]?.Body).toBe("late");
      expect(Date.now() - waited).toBeLessThan(3000);

      const quiet = Date.now();
      const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(none.Messages).toBeUndefined();
      expect(Date.now() - quiet).toBeGreaterThanOrEqual(900);
    });
  });

  it("answers an injected throttle with RequestThrottled", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      sandbox.faults.add({ service: "sqs", operation: "SendMessage", kind: "throttle", count: 1 });
      const sqs = client(sandbox);
      const error = await rejection(
        sqs.send(new SendMessageCommand({ QueueUrl: `${sandbox.url}/${DEV}/${QUEUE}`, MessageBody: "x" })),
      );
      expect(error.name).toBe("RequestThrottled");
      expect(error.$metadata?.attempts).toBe(1);
    });
  });
});

describe("SQS delivery to an HTTP target", () => {
  it("delivers messages as a Lambda SQS event, redelivering a failed batch and kept items", async () => {
    const batches: { Records: LambdaRecord[] }[] = [];
    let answer: (records: LambdaRecord[]) => [number, string] = () => [500, "boom"];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const event = JSON.parse(Buffer.concat(chunks).toString()) as { Records: LambdaRecord[] };
        batches.push(event);
        const [status, body] = answer(event.Records);
        res.writeHead(status, { "content-type": "application/json" }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/worker`;
    try {
      await withSandbox(testSeed(), async (sandbox) => {
        const sqs = client(sandbox);
        const QueueUrl = await queueUrl(sqs);
        for (const stage of ["pr-1", "pr-2", "pr-3"]) {
          await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ stage }) }));
        }
        const set = await fetch(`${sandbox.url}/_sandbox/sqs/target`, {
          method: "POST",
          body: JSON.stringify({ queue: QUEUE, url, batchSize: 10 }),
        });
        expect(set.status).toBe(200);

        await waitFor(() => batches.length >= 1);
        const [failed] = batches;
        expect(failed?.Records).toHaveLength(3);
        const record = failed?.Records[0] as LambdaRecord;
        expect(record).toMatchObject({
          body: '{"stage":"pr-1"}',
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:us-east-1:${DEV}:${QUEUE}`,
          awsRegion: "us-east-1",
          messageAttributes: {},
        });
        expect(record.attributes.ApproximateReceiveCount).toBe("1");
        expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
        expect(typeof record.receiptHandle).toBe("string");
        // The failed batch stays in flight until its visibility timeout runs out.
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(batches).toHaveLength(1);
        expect(await counts(sqs, QueueUrl)).toEqual([0, 3]);

        const keep = failed?.Records[1]?.messageId as string;
        answer = (records) => [
          200,
          JSON.stringify({
            batchItemFailures: records.some((r) => r.messageId === keep) ? [{ itemIdentifier: keep }] : [],
          }),
        ];
        sandbox.clock.advance("PT31S");
        await waitFor(() => batches.length >= 2);
        expect(batches[1]?.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["2", "2", "2"]);
        await waitFor(async () => (await counts(sqs, QueueUrl)).join() === "0,1");

        answer = () => [200, ""];
        sandbox.clock.advance("PT31S");
        await waitFor(() => batches.length >= 3);
        expect(batches[2]?.Records.map((r) => r.messageId)).toEqual([keep]);
        await waitFor(async () => (await counts(sqs, QueueUrl)).join() === "0,0");

        const inspection = (await (await fetch(`${sandbox.url}/_sandbox/sqs/messages`)).json()) as {
          deliveries: { result: string }[];
        };
        expect(inspection.deliveries.map((d) => d.result)).toEqual(["failed", "partial", "deleted"]);
      });
    } finally {
      server.close();
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
