// GitHub webhooks (`pull_request` closed → that PR's stage): verified with X-Hub-Signature-256 in the handler,
// deduplicated by X-GitHub-Delivery in the ledger, then the safety gate and the removal queue.
import { physical } from "./config";
import { assumeTargetRoles, ledgerReadWrite, sendToQueue, stateReads } from "./iam";
import { removalQueue } from "./removal";
import { githubWebhookSecret, slackBotToken } from "./secrets";
import { settings } from "./settings";
import { ledger } from "./storage";

export const github = new sst.aws.Function("GitHub", {
  handler: "packages/functions/src/github.handler",
  description: "Stagekeeper GitHub webhook",
  timeout: "10 seconds",
  url: { authorization: "none", cors: false },
  link: [settings, githubWebhookSecret, slackBotToken],
  // The gate reads the stage's state again before the claim: the state reads and the target roles.
  permissions: [
    ...ledgerReadWrite(ledger.arn),
    ...sendToQueue(removalQueue.arn),
    ...stateReads,
    ...assumeTargetRoles,
  ],
  transform: { role: { name: physical("github") } },
});
