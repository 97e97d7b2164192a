export { githubApi, type PullRead, readPull } from "./api.js";
export { type GitHubDeps, type GitHubDepsOptions, githubDeps } from "./deps.js";
export {
  cancelPending,
  duePendingRemovals,
  handlePendingRemoval,
  isPendingRemovalMessage,
  type PendingMessage,
  type PendingRemoval,
  type PendingResult,
  pendingKey,
  pendingSchema,
  schedulePending,
} from "./pending.js";
export { type PullRequestStates, type PullRequestStatesDeps, pullRequestStates } from "./pulls.js";
export {
  type ClosedPullRequest,
  type PullRequestRemoval,
  removeForPullRequest,
  type StageResult,
} from "./remove.js";
export { type PullRequestRef, prNumberOf, prStageName } from "./stages.js";
export {
  handleGitHubWebhook,
  type WebhookBody,
  type WebhookDeps,
  type WebhookReply,
  type WebhookRequest,
  type WebhookResult,
} from "./webhook.js";
