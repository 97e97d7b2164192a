// Set with `npx sst secret set <Name> <value> --stage <stage>` before the first deploy (docs/deploy.md).
// The first three are required: a deploy without them stops and names the missing secret.
export const slackBotToken = new sst.Secret("SlackBotToken");
export const slackSigningSecret = new sst.Secret("SlackSigningSecret");
export const githubWebhookSecret = new sst.Secret("GitHubWebhookSecret");
/** Optional: read-only GitHub token for the daily pull-request check; empty means unauthenticated requests. */
export const githubToken = new sst.Secret("GitHubToken", "");
