// The Slack function behind a Function URL: `/stages` and button clicks. Thin: the event's raw body and
// headers go to core, which verifies the signature and answers within Slack's 3 seconds.
import { handleSlackRequest, type SlackDeps, slackFunctionDeps } from "@stagekeeper/core/slack";
import { type FunctionUrlEvent, type FunctionUrlResult, notConfigured, rawBody } from "./function-url.js";
import { deployedConfig, homeRegion, secret } from "./linked.js";

// Built once per warm container: the clients keep their connections, the parsed snapshot stays cached.
let deps: SlackDeps | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  try {
    deps ??= slackFunctionDeps({
      config: deployedConfig(),
      signingSecret: secret("SlackSigningSecret"),
      homeRegion: homeRegion(),
    });
  } catch (error) {
    return notConfigured("slack", error);
  }
  const response = await handleSlackRequest(deps, {
    method: event.requestContext?.http?.method ?? "GET",
    headers: event.headers ?? {},
    body: rawBody(event),
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
