/**
 * Points production code at a sandbox the way it finds real AWS: the standard SDK settings (AWS_ENDPOINT_URL,
 * the sandbox's keys, AWS_REGION us-east-1), plus `extra` (SLACK_API_URL and the like; undefined unsets a
 * name). Returns the undo, which puts back the whole environment as it was, including anything a test set.
 */
export function useSandboxEnv(
  sandbox: { url: string },
  extra: Record<string, string | undefined> = {},
): () => void {
  const saved = { ...process.env };
  const values: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: "sandbox",
    AWS_SECRET_ACCESS_KEY: "sandbox",
    AWS_REGION: "us-east-1",
    ...extra,
  };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const name of Object.keys(process.env)) if (!Object.hasOwn(saved, name)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

/** The sandbox's Slack Web API and bot token, for code that posts to Slack as the deployed functions do. */
export function slackEnv(sandbox: { env: Record<string, string> }): Record<string, string | undefined> {
  return { SLACK_API_URL: sandbox.env.SLACK_API_URL, SLACK_BOT_TOKEN: sandbox.env.SLACK_BOT_TOKEN };
}
