import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { ACCOUNT_ID, APP_NAME, REGION, STAGE_NAME } from "../stage/key.js";

/** What a surface hands the removal worker through the queue, after the gate took the claim. */
export const removalRequestSchema = z.strictObject({
  removalId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  account: z.string().regex(ACCOUNT_ID),
  region: z.string().regex(REGION),
  app: z.string().regex(APP_NAME),
  stage: z.string().regex(STAGE_NAME),
});
export type RemovalRequest = z.infer<typeof removalRequestSchema>;

/** The queue from the config: a URL as is, a bare name looked up in the caller's account. */
export async function queueUrl(sqs: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  if (!QueueUrl) throw new Error(`queue ${queue} has no URL`);
  return QueueUrl;
}

export async function enqueueRemoval(sqs: SQSClient, url: string, request: RemovalRequest): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify(removalRequestSchema.parse(request)),
    }),
  );
}
