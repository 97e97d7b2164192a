// The removal worker: the only function that may start (and look up) builds, and only on our project.
// It takes requests from the removal queue, runs the safety gate where the surface could not (Slack answers
// in 3 s and hands its actions over), and calls StartBuild with our buildspec.
import { physical } from "./config";
import { assumeTargetRoles, ledgerReadWrite, sendToQueue, stateReads } from "./iam";
import { BUILDSPEC, removalProject, removalQueue } from "./removal";
import { githubToken, slackBotToken } from "./secrets";
import { settings } from "./settings";
import { ledger } from "./storage";

export const worker = removalQueue.subscribe(
  {
    handler: "packages/functions/src/worker.handler",
    description: "Stagekeeper removal worker: safety gate, then CodeBuild StartBuild",
    timeout: "2 minutes",
    // Our buildspec travels in the bundle: the worker sends it as buildspecOverride with every build.
    copyFiles: [{ from: BUILDSPEC, to: BUILDSPEC }],
    environment: { STAGEKEEPER_BUILDSPEC: BUILDSPEC },
    link: [settings, slackBotToken, githubToken],
    permissions: [
      {
        // ListBuildsForProject finds the build of a removal whose StartBuild answer was lost (a crash).
        actions: ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:ListBuildsForProject"],
        resources: [removalProject.arn],
      },
      // Pending PR removals and their delayed re-checks go back onto the queue.
      ...sendToQueue(removalQueue.arn),
      ...ledgerReadWrite(ledger.arn),
      ...stateReads,
      ...assumeTargetRoles,
    ],
    transform: { role: { name: physical("worker") } },
  },
  {
    // The handler returns `batchItemFailures`: one bad request does not send the whole batch back.
    batch: { size: 10, partialResponses: true },
    // At most two workers at once, whatever the backlog; the per-run cap is enforced before the queue.
    transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: 2 } } },
  },
);
