import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { describeError } from "../aws/clients.js";
import { queueUrl } from "../removal/request.js";
import { DELIVERY_ID } from "./deliveries.js";
import type { GitHubDeps } from "./deps.js";
import { REPOSITORY } from "./payload.js";

/** The delayed re-check on the removal queue (SQS DelaySeconds, at most 15 minutes at a time). */
export const pendingMessageSchema = z.strictObject({
  kind: z.literal("github-pending"),
  repository: z.string().regex(REPOSITORY),
  number: z.number().int().positive(),
  delivery: z.string().regex(DELIVERY_ID),
});
export type PendingMessage = z.infer<typeof pendingMessageSchema>;

/** SQS's longest DelaySeconds; a longer grace is re-checked every 15 minutes until due. */
const MAX_DELAY_S = 900;

/** For the worker's dispatch: a queue message that is a pending re-check, not a removal request. */
export function isPendingRemovalMessage(message: unknown): boolean {
  return (message as { kind?: unknown } | null)?.kind === "github-pending";
}

/** Sends the re-check, delayed until due (or 15 minutes, then again); a failure is reported, never thrown. */
export async function sendRecheck(
  deps: GitHubDeps,
  message: PendingMessage,
  dueAt: Date,
): Promise<string | undefined> {
  if (!deps.config.removal) return "removal.queue is not configured: the daily run removes it";
  const delay = Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((dueAt.getTime() - deps.now.getTime()) / 1000)));
  try {
    const url = await queueUrl(deps.sqs, deps.config.removal.queue);
    await deps.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message), DelaySeconds: delay }),
    );
    return undefined;
  } catch (error) {
    return `the delayed re-check was not queued (${describeError(error)}); the daily run removes it`;
  }
}
