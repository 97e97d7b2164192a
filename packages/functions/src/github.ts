// The GitHub webhook behind a Function URL: the raw body and headers go to core, which verifies the signature,
// deduplicates the delivery and answers well within GitHub's 10 seconds.
import {
  type Config,
  cachedAccountResolver,
  describeError,
  githubDeps,
  handleGitHubWebhook,
  type TargetResolver,
  type WebhookDeps,
} from "@stagekeeper/core";
import { deployedConfig, homeRegion, secret } from "./linked.js";

interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

// Kept while the container is warm: the config is parsed once and STS is asked once per account.
let warm: { config: Config; targets: TargetResolver } | undefined;

export async function handler(event: FunctionUrlEvent) {
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
    console.error("github: not configured", describeError(error));
    return {
      statusCode: 500,
      headers: { "content-type": "text/plain" },
      body: "Stagekeeper is not configured",
    };
  }
  const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  const reply = await handleGitHubWebhook(deps, { headers: event.headers ?? {}, rawBody: body });
  return {
    statusCode: reply.status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(reply.body),
  };
}
