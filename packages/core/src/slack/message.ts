import { z } from "zod";
import { stageButtonValueSchema } from "./actions.js";
import { SLACK_USER } from "./auth.js";

export const SLACK_ACTION_KIND = "slack-action";

/**
 * What the Slack function hands the removal worker through the removal queue: it answers Slack within 3 s
 * and a Lambda freezes once it has answered, so the gate runs in the worker, which posts the outcome to
 * `responseUrl` (valid 30 minutes, 5 posts). Removal requests (removalRequestSchema) have no `kind`.
 */
export const slackActionMessageSchema = z.strictObject({
  kind: z.literal(SLACK_ACTION_KIND),
  action: z.literal("remove"),
  stage: stageButtonValueSchema,
  /** The Slack user who confirmed: the gate's trigger and the audit's "by". */
  user: z.string().regex(SLACK_USER),
  responseUrl: z.url({ protocol: /^https?$/ }).max(2000),
  requestedAt: z.iso.datetime({ offset: true }),
  /** The click it came from (block_actions action_ts), for the audit log. */
  actionTs: z
    .string()
    .regex(/^\d{1,12}\.\d{1,9}$/)
    .optional(),
});
export type SlackActionMessage = z.infer<typeof slackActionMessageSchema>;

/**
 * True for anything that claims to be a Slack action, valid or not: the worker hands all of them to
 * handleSlackAction, which refuses the malformed ones, rather than to processRemoval.
 */
export function isSlackActionMessage(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === SLACK_ACTION_KIND
  );
}
