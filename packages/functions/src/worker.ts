// The removal worker behind the queue: the only function that may start CodeBuild. Each message goes to its
// handler (a claimed removal, a reconciliation, a confirmed Slack removal, a due PR removal); the ones that
// threw come back through `batchItemFailures`.
import {
  accountTargets,
  type DispatchDeps,
  dispatcher,
  githubDeps,
  handleSqsBatch,
  type SqsRecord,
  workerDepsOf,
} from "@stagekeeper/core";
import { deployedConfig, homeRegion, secret } from "./linked.js";

export async function handler(event: { Records?: SqsRecord[] }) {
  const env = { config: deployedConfig(), now: new Date(), homeRegion: homeRegion() };
  const worker = await workerDepsOf(env);
  const targets = await accountTargets(env);
  const slackToken = secret("SlackBotToken");
  const githubToken = secret("GitHubToken");
  const deps: DispatchDeps = {
    worker,
    slack: {
      store: worker.store,
      config: env.config,
      now: env.now,
      target: (account) => targets.get(account),
    },
    github: githubDeps({
      ...env,
      store: worker.store,
      ...(slackToken ? { slackToken } : {}),
      ...(githubToken ? { githubToken } : {}),
    }),
  };
  return handleSqsBatch(event.Records ?? [], dispatcher(deps));
}
