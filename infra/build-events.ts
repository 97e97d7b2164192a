// CodeBuild's "Build State Change" events for our project only, from the account's default event bus:
// record the outcome, write the audit entry, tell Slack.
import { ledgerReadWrite } from "./iam";
import { removalProject } from "./removal";
import { slackBotToken } from "./secrets";
import { settings } from "./settings";
import { ledger } from "./storage";

export const buildEvents = new sst.aws.Function("BuildEvents", {
  handler: "packages/functions/src/build-events.handler",
  description: "Stagekeeper: records removal build outcomes",
  timeout: "30 seconds",
  link: [settings, slackBotToken],
  permissions: [...ledgerReadWrite(ledger.arn)],
});

const partition = aws.getPartitionOutput({}).partition;
const region = aws.getRegionOutput({}).region;
const accountId = aws.getCallerIdentityOutput({}).accountId;
const defaultBus = $interpolate`arn:${partition}:events:${region}:${accountId}:event-bus/default`;

export const buildStateChange = sst.aws.Bus.subscribe("BuildStateChange", defaultBus, buildEvents, {
  pattern: {
    source: ["aws.codebuild"],
    detailType: ["CodeBuild Build State Change"],
    detail: { "project-name": [removalProject.name] },
  },
});
