// What SST links to a function arrives encrypted in the bundle and is read through `Resource`. Tests and
// other hosts set plain variables instead, which win when present.
import { type Config, ConfigError, parseConfig } from "@stagekeeper/core/config";
import { Resource } from "sst/resource";

/** The values infra/ links to the functions. */
interface Linked {
  Stagekeeper: { config: unknown };
  SlackBotToken: { value: string };
  SlackSigningSecret: { value: string };
  GitHubWebhookSecret: { value: string };
  GitHubToken: { value: string };
}

const linked = Resource as unknown as Linked;

/** The deployed config (validated again: a bad one is a ConfigError naming the field), or STAGEKEEPER_CONFIG. */
export function deployedConfig(): Config {
  const text = process.env.STAGEKEEPER_CONFIG;
  if (text === undefined) return parseConfig(linked.Stagekeeper.config, "deployed config");
  try {
    return parseConfig(JSON.parse(text), "STAGEKEEPER_CONFIG");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      [{ path: "(file)", message: "STAGEKEEPER_CONFIG is not valid JSON" }],
      "STAGEKEEPER_CONFIG",
    );
  }
}

const VARIABLES = {
  SlackBotToken: "SLACK_BOT_TOKEN",
  SlackSigningSecret: "SLACK_SIGNING_SECRET",
  GitHubWebhookSecret: "GITHUB_WEBHOOK_SECRET",
  GitHubToken: "GITHUB_TOKEN",
} as const;

/** A secret set with `sst secret set`; undefined when empty (the GitHub token is optional). */
export function secret(name: keyof typeof VARIABLES): string | undefined {
  const value = process.env[VARIABLES[name]] ?? linked[name].value;
  return value === "" ? undefined : value;
}

export function homeRegion(): string {
  return process.env.AWS_REGION ?? "us-east-1";
}
