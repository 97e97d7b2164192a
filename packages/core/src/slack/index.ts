export * from "./actions.js";
export { mayRemove, mayUnkeep, type Permission, type Removers } from "./auth.js";
export {
  MAX_COMMAND_TEXT,
  parseCommand,
  parseKeepUntil,
  parseStageRef,
  type SlashCommand,
  type StageRef,
} from "./command.js";
export { postResponse, queueSender, type SlackDeps, slackFunctionDeps } from "./deps.js";
export {
  handleSlackRequest,
  MAX_BODY_BYTES,
  type SlackHttpRequest,
  type SlackHttpResponse,
} from "./handler.js";
export {
  isSlackActionMessage,
  SLACK_ACTION_KIND,
  type SlackActionMessage,
  slackActionMessageSchema,
} from "./message.js";
export type { SlackReply } from "./replies.js";
export { readSnapshot } from "./snapshot.js";
export { SIGNATURE_WINDOW_S, slackSignature, verifySlackSignature } from "./verify.js";
export {
  handleSlackAction,
  type SlackActionDeps,
  type SlackActionResult,
} from "./worker-action.js";
