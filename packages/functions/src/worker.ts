// The removal worker behind the queue: the only function that may start CodeBuild. Each message goes to its
// handler (a claimed removal, a reconciliation, a confirmed Slack removal, a due PR removal); the ones that
// threw come back through `batchItemFailures`.
import {
  cachedAccountResolver,
  type DispatchDeps,
  dispatcher,
  githubDeps,
  handleSqsBatch,
  type SqsRecord,
  targetLookup,
  workerDepsOf,
} from "@stagekeeper/core";
import { deployedConfig, homeRegion, secret } from "./linked.js";

export async function handler(event: { Records?: SqsRecord[] }) {
  const env = { config: deployedConfig(), now: new Date(), homeRegion: homeRegion() };
  const worker = await workerDepsOf(env);
  // One resolver for both surfaces, so each account is asked of STS once per batch.
  const targets = cachedAccountResolver(env.config, env.homeRegion);
  const target = await targetLookup(env.config, env.homeRegion, targets);
  const slackToken = secret("SlackBotToken");
  const githubToken = secret("GitHubToken");
  const deps: DispatchDeps = {
    worker,
    slack: {
      store: worker.store,
      config: env.config,
      now: env.now,
      target,
    },
    github: githubDeps({
      ...env,
      store: worker.store,
      targets,
      ...(slackToken ? { slackToken } : {}),
      ...(githubToken ? { githubToken } : {}),
    }),
  };
  return handleSqsBatch(event.Records ?? [], dispatcher(deps));
}
