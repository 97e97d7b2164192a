import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Octokit } from "@octokit/rest";
import type { WebClient } from "@slack/web-api";
import { type AccountSpec, type AccountTarget, resolveAccounts } from "../aws/accounts.js";
import { describeError, s3Client, sqsClient } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import { LedgerStore } from "../ledger/store.js";
import type { GateDeps } from "../removal/gate.js";
import { githubApi } from "./api.js";
import { slackClient } from "./notify.js";

export interface ResolvedTargets {
  targets: AccountTarget[];
  failures: { account: string; message: string }[];
}

/** Credentials that provably act in each account asked for; an empty list means "the caller's own account". */
export type TargetResolver = (accounts: readonly string[]) => Promise<ResolvedTargets>;

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

/**
 * Resolves accounts as the daily run does (an assumed role, checked with GetCallerIdentity) and remembers the
 * ones that resolved, so a warm Lambda does not ask STS on every delivery. Assumed credentials renew themselves.
 */
export function cachedAccountResolver(config: Config, homeRegion: string): TargetResolver {
  const resolved = new Map<string, AccountTarget>();
  /** No accounts configured: the caller's own account, once known. */
  let own: AccountTarget | undefined;
  return async (accounts) => {
    const result: ResolvedTargets = { targets: [], failures: [] };
    if (accounts.length === 0 && own) return { targets: [own], failures: [] };
    const specs: AccountSpec[] = [];
    for (const id of accounts) {
      const known = resolved.get(id);
      if (known) result.targets.push(known);
      else specs.push(config.accounts.find((a) => a.id === id) ?? { id, regions: [homeRegion] });
    }
    if (accounts.length > 0 && specs.length === 0) return result;
    let answers: Awaited<ReturnType<typeof resolveAccounts>>;
    try {
      answers = await resolveAccounts(specs, homeRegion);
    } catch (error) {
      result.failures.push({
        account: accounts.join(", ") || "(own account)",
        message: describeError(error),
      });
      return result;
    }
    for (const answer of answers) {
      if (!answer.ok) result.failures.push({ account: answer.account, message: answer.message });
      else {
        if (accounts.length > 0) resolved.set(answer.target.account, answer.target);
        else own = answer.target;
        result.targets.push(answer.target);
      }
    }
    return result;
  };
}

/** A resolver over targets already resolved (the daily run's survey): an account not among them fails closed. */
export function fixedTargets(targets: readonly AccountTarget[]): TargetResolver {
  return async (accounts) => ({
    targets: accounts.length === 0 ? [...targets] : targets.filter((t) => accounts.includes(t.account)),
    failures: accounts
      .filter((id) => !targets.some((t) => t.account === id))
      .map((account) => ({ account, message: "the account could not be resolved in this run" })),
  });
}
