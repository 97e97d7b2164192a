// `/stages` and the digest's buttons (Slack interactivity): one Function URL for both. Signatures are verified
// in the handler, so the URL itself is public. Reads come from the ledger's latest snapshot; actions go to the
// removal queue, and the worker answers through response_url.
import { ledgerReadWrite, sendToQueue } from "./iam";
import { removalQueue } from "./removal";
import { slackBotToken, slackSigningSecret } from "./secrets";
import { settings } from "./settings";
import { ledger } from "./storage";

export const slack = new sst.aws.Function("Slack", {
  handler: "packages/functions/src/slack.handler",
  description: "Stagekeeper Slack: /stages and interactivity",
  timeout: "10 seconds",
  url: { authorization: "none", cors: false },
  link: [settings, slackSigningSecret, slackBotToken],
  permissions: [...ledgerReadWrite(ledger.arn), ...sendToQueue(removalQueue.arn)],
});
