import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Octokit } from "@octokit/rest";
import type { WebClient } from "@slack/web-api";
import { s3Client, sqsClient } from "../aws/clients.js";
import { cachedAccountResolver, type TargetResolver } from "../aws/targets.js";
import type { Config } from "../config/index.js";
import { LedgerStore } from "../ledger/store.js";
import type { GateDeps } from "../removal/gate.js";
import { githubApi } from "./api.js";
import { slackClient } from "./notify.js";

/** What the GitHub surface needs; `githubDeps` builds it from the config and the environment. */
export interface GitHubDeps {
  config: Config;
  store: LedgerStore;
  now: Date;
  /** In Stagekeeper's own region: the removal queue. */
  sqs: SQSClient;
  targets: TargetResolver;
  slack?: WebClient;
  /** The REST API, for reading a pull request's state again before a pending removal. */
  github?: Octokit;
  readStage?: GateDeps["readStage"];
}

export interface GitHubDepsOptions {
  config: Config;
  now: Date;
  /** Stagekeeper's own region: the ledger bucket and the removal queue. Default: AWS_REGION. */
  homeRegion?: string;
  store?: LedgerStore;
  /** A Slack bot token; without one (or without `slack.channel`), no Slack note is sent. */
  slackToken?: string;
  githubToken?: string;
  targets?: TargetResolver;
}

/** Real clients, configured by the standard SDK settings plus SLACK_API_URL and GITHUB_API_URL when set. */
export function githubDeps(options: GitHubDepsOptions): GitHubDeps {
  const { config } = options;
  const homeRegion = options.homeRegion ?? process.env.AWS_REGION ?? "us-east-1";
  if (!options.store && !config.ledger) throw new Error("ledger.bucket is not configured");
  const store =
    options.store ?? new LedgerStore(s3Client({ region: homeRegion }), config.ledger?.bucket as string);
  const slack = options.slackToken && config.slack ? slackClient(options.slackToken) : undefined;
  return {
    config,
    store,
    now: options.now,
    sqs: sqsClient({ region: homeRegion }),
    targets: options.targets ?? cachedAccountResolver(config, homeRegion),
    ...(slack ? { slack } : {}),
    github: githubApi(options.githubToken),
  };
}
