// The CloudWatch dashboard, when dashboards/stagekeeper.json exists (it is written with the dashboards issue).
import { existsSync, readFileSync } from "node:fs";
import { buildEvents } from "./build-events";
import { daily } from "./daily";
import { renderDashboard } from "./dashboard-body";
import { github } from "./github";
import { removalDeadLetters, removalProject, removalQueue } from "./removal";
import { slack } from "./slack";
import { ledger } from "./storage";
import { worker } from "./worker";

export const DASHBOARD_FILE = "dashboards/stagekeeper.json";

function createDashboard() {
  if (!existsSync(DASHBOARD_FILE)) {
    console.log(`Stagekeeper: ${DASHBOARD_FILE} not found; no CloudWatch dashboard`);
    return undefined;
  }
  const text = readFileSync(DASHBOARD_FILE, "utf8");
  const values = {
    region: aws.getRegionOutput({}).region,
    app: $app.name,
    stage: $app.stage,
    ledgerBucket: ledger.name,
    queueName: removalQueue.nodes.queue.name,
    deadLetterQueueName: removalDeadLetters.nodes.queue.name,
    projectName: removalProject.name,
    dailyFunction: daily.name,
    workerFunction: worker.nodes.function.name,
    slackFunction: slack.name,
    githubFunction: github.name,
    buildEventsFunction: buildEvents.name,
  };
  return new aws.cloudwatch.Dashboard("Dashboard", {
    dashboardName: `${$app.name}-${$app.stage}`,
    dashboardBody: $resolve(values).apply((resolved) => renderDashboard(text, resolved, DASHBOARD_FILE)),
  });
}

export const dashboard = createDashboard();
