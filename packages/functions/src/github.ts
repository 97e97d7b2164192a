// The GitHub webhook behind a Function URL: the raw body and headers go to core, which verifies the signature,
// deduplicates the delivery and answers well within GitHub's 10 seconds.
import {
  type Config,
  cachedAccountResolver,
  githubDeps,
  handleGitHubWebhook,
  type TargetResolver,
  type WebhookDeps,
} from "@stagekeeper/core";
import { type FunctionUrlEvent, type FunctionUrlResult, notConfigured, rawBody } from "./function-url.js";
import { deployedConfig, homeRegion, secret } from "./linked.js";

// Kept while the container is warm: the config is parsed once and STS is asked once per account.
let warm: { config: Config; targets: TargetResolver } | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  let deps: WebhookDeps;
  try {
    const config = warm?.config ?? deployedConfig();
    warm ??= { config, targets: cachedAccountResolver(config, homeRegion()) };
    const slackToken = secret("SlackBotToken");
    deps = {
      ...githubDeps({
        config,
        now: new Date(),
        homeRegion: homeRegion(),
        targets: warm.targets,
        ...(slackToken ? { slackToken } : {}),
      }),
      secret: secret("GitHubWebhookSecret"),
    };
  } catch (error) {
    return notConfigured("github", error);
  }
  const reply = await handleGitHubWebhook(deps, { headers: event.headers ?? {}, rawBody: rawBody(event) });
  return {
    statusCode: reply.status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(reply.body),
  };
}
