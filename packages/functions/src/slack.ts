// The Slack function behind a Function URL: `/stages` and button clicks. Thin: the event's raw body and
// headers go to core, which verifies the signature and answers within Slack's 3 seconds.
import { describeError } from "@stagekeeper/core/aws/clients";
import { handleSlackRequest, type SlackDeps, slackFunctionDeps } from "@stagekeeper/core/slack";
import { deployedConfig, homeRegion, secret } from "./linked.js";

/** The fields of a Function URL event (payload format 2.0) that the handler reads. */
export interface FunctionUrlEvent {
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

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
    console.error("slack: not configured", describeError(error));
    return {
      statusCode: 500,
      headers: { "content-type": "text/plain" },
      body: "Stagekeeper is not configured",
    };
  }
  const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  const response = await handleSlackRequest(deps, {
    method: event.requestContext?.http?.method ?? "GET",
    headers: event.headers ?? {},
    body,
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
