// The daily run: inventory → cost → policy → plan → act → report → ledger, on the config's schedule (UTC).
import { config, physical } from "./config";
import { assumeTargetRoles, costReads, ledgerReadWrite, sendToQueue, stateReads, tagReads } from "./iam";
import { removalQueue } from "./removal";
import { githubToken, slackBotToken } from "./secrets";
import { settings } from "./settings";
import { ledger } from "./storage";

export const daily = new sst.aws.Function("Daily", {
  handler: "packages/functions/src/daily.handler",
  description: "Stagekeeper daily run",
  timeout: "15 minutes",
  memory: "1024 MB",
  link: [settings, slackBotToken, githubToken],
  permissions: [
    ...stateReads,
    ...tagReads,
    ...costReads,
    ...assumeTargetRoles,
    ...sendToQueue(removalQueue.arn),
    ...ledgerReadWrite(ledger.arn),
  ],
  transform: { role: { name: physical("daily") } },
});

type Schedule = `cron(${string})` | `rate(${string})`;

function schedule(expression: string): Schedule {
  if (/^(cron|rate)\(.+\)$/.test(expression)) return expression as Schedule;
  throw new Error(`schedule: must be an EventBridge cron(...) or rate(...) expression, got "${expression}"`);
}

export const dailyRun = new sst.aws.CronV2("DailyRun", {
  function: daily,
  schedule: schedule(config.schedule),
  // EventBridge Scheduler passes this input as the event; the context attributes make it the same shape as
  // an EventBridge "Scheduled Event", with `time` the scheduled time (the same on every retry).
  event: {
    version: "0",
    id: "<aws.scheduler.execution-id>",
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    time: "<aws.scheduler.scheduled-time>",
    resources: ["<aws.scheduler.schedule-arn>"],
    detail: {},
  },
});
