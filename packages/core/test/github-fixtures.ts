import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type Sandbox, type SeedInput, startSandbox } from "@stagekeeper/sandbox";
import { DEV, PROD, testSeed } from "../../sandbox/test/fixtures.js";
import { codebuildClient, s3Client } from "../src/aws/clients.js";
import { cachedAccountResolver } from "../src/aws/targets.js";
import type { Config } from "../src/config/index.js";
import { type GitHubDeps, githubDeps } from "../src/github/deps.js";
import { handleGitHubWebhook, type WebhookReply, type WebhookRequest } from "../src/github/webhook.js";
import { type AuditEntry, readAudit } from "../src/ledger/audit.js";
import { recordKey, type StageRecord, stageRecordSchema } from "../src/ledger/records.js";
import { LedgerStore } from "../src/ledger/store.js";
import { loadBuildspec } from "../src/removal/buildspec.js";
import { dispatcher } from "../src/removal/dispatch.js";
import type { StageKey } from "../src/stage/key.js";
import { PROJECT, QUEUE, removalConfig } from "./removal-fixtures.js";
import { useSandboxEnv } from "./sandbox-env.js";

export { DEV, PROD, QUEUE };
export const SECRET = "It's a Secret to Everybody";
export const CHANNEL = "C0STAGES";
export const PROD_ROLE = `arn:aws:iam::${PROD}:role/stagekeeper`;

export const dev = (stage: string, app = "shop"): StageKey => ({
  account: DEV,
  region: "us-east-1",
  app,
  stage,
});

/**
 * The test estate plus PR stages: pr-7 protected in its state, pr-1 (made permanent by a config rule in some
 * tests), pr-9 protected only by its app's current sst.config.ts; and their pull requests on GitHub's side.
 */
export function githubSeed(extra: Partial<SeedInput> = {}) {
  const base = testSeed();
  const stage = (name: string, protect = false) => ({
    app: "shop",
    stage: name,
    account: DEV,
    region: "us-east-1",
    createdAt: "2026-11-10T10:00:00Z",
    protect,
    cost: { daily: "2.5" },
  });
  const pull = (repository: string, number: number) => ({ repository, number, state: "open" as const });
  return testSeed({
    stages: [...base.stages, stage("pr-7", true), stage("pr-1"), stage("pr-9")] as SeedInput["stages"],
    apps: [
      { name: "shop", repository: "acme/shop", protect: ["production", "pr-9"] },
      { name: "api", repository: "acme/api", protect: ["production", "staging"] },
    ],
    github: {
      pulls: [12, 7, 1, 9].map((n) => pull("acme/shop", n)).concat([pull("acme/api", 12)]),
    },
    ...extra,
  });
}

/** The removal tests' config (accounts, ledger, project), with Slack, the removal queue and both apps on main. */
export function githubConfig(overrides: Record<string, unknown> = {}): Config {
  return removalConfig({
    apps: [
      { name: "shop", repository: "acme/shop" },
      { name: "api", repository: "acme/api" },
    ],
    slack: { channel: CHANNEL },
    removal: { project: PROJECT, queue: QUEUE },
    ...overrides,
  });
}

export interface Captured {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface QueuedMessage {
  body: string;
  visible: boolean;
  visibleAt: string;
}

export interface GitHubWorld {
  sandbox: Sandbox;
  config: Config;
  store: LedgerStore;
  /** The webhook endpoint (handleGitHubWebhook served over HTTP). */
  target: string;
  /** What the endpoint received last, byte for byte. */
  last: () => Captured | undefined;
  deps: (now?: Date) => GitHubDeps & { secret: string };
  handle: (request: WebhookRequest) => Promise<WebhookReply>;
  /** The sandbox delivers a webhook to the endpoint (POST /_sandbox/github/deliver). */
  deliver: (request: Record<string, unknown>) => Promise<Delivered>;
  control: (route: string, body: unknown) => Promise<unknown>;
  queued: () => Promise<QueuedMessage[]>;
  slack: () => Promise<{ text: string; channel: string }[]>;
  audit: () => Promise<AuditEntry[]>;
  record: (key: StageKey) => Promise<StageRecord | undefined>;
}

export interface Delivered {
  status: number;
  json?: {
    result: string;
    reason?: string;
    stages?: { stage: string; outcome: string; reason: string }[];
  } & Record<string, unknown>;
  elapsedMs: number;
  delivery: string;
  error?: string;
}

export async function withGitHub<T>(
  options: { seed?: ReturnType<typeof githubSeed>; config?: Config },
  run: (world: GitHubWorld) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandbox({ seed: options.seed ?? githubSeed() });
  // Without GITHUB_TOKEN: the sandbox's GitHub counts a token-less caller's requests, as GitHub does.
  const restore = useSandboxEnv(sandbox, {
    SLACK_API_URL: sandbox.env.SLACK_API_URL,
    GITHUB_API_URL: sandbox.env.GITHUB_API_URL,
    GITHUB_TOKEN: undefined,
  });
  const config = options.config ?? githubConfig();
  const store = new LedgerStore(s3Client({ region: "us-east-1" }), "stagekeeper-ledger");
  const targets = cachedAccountResolver(config, "us-east-1");
  const deps = (now = sandbox.clock.now()) => ({
    ...githubDeps({ config, now, homeRegion: "us-east-1", store, slackToken: "xoxb-sandbox", targets }),
    secret: SECRET,
  });
  let last: Captured | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      last = { headers: req.headers, body: Buffer.concat(chunks) };
      handleGitHubWebhook(deps(), { headers: req.headers, rawBody: last.body })
        .then((reply) => {
          res.writeHead(reply.status, { "content-type": "application/json" });
          res.end(JSON.stringify(reply.body));
        })
        .catch((error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/github`;
  const control = async (route: string, body: unknown) => {
    const response = await fetch(`${sandbox.url}${route}`, { method: "POST", body: JSON.stringify(body) });
    const json = (await response.json()) as unknown;
    if (!response.ok) throw new Error(`${route}: ${JSON.stringify(json)}`);
    return json;
  };
  const world: GitHubWorld = {
    sandbox,
    config,
    store,
    target,
    last: () => last,
    deps,
    handle: (request) => handleGitHubWebhook(deps(), request),
    deliver: async (request) =>
      (await control("/_sandbox/github/deliver", { target, secret: SECRET, ...request })) as Delivered,
    control,
    queued: async () => {
      const answer = (await (await fetch(`${sandbox.url}/_sandbox/sqs/messages`)).json()) as {
        queues: { name: string; messages: QueuedMessage[] }[];
      };
      return answer.queues.find((q) => q.name === QUEUE)?.messages ?? [];
    },
    slack: async () => {
      const answer = (await (
        await fetch(`${sandbox.url}/_sandbox/slack/messages?channel=${CHANNEL}`)
      ).json()) as {
        messages: { text: string; channel: string }[];
      };
      return answer.messages;
    },
    audit: () => readAudit(store, sandbox.clock.now().toISOString().slice(0, 10)),
    record: async (key) => (await store.get(recordKey(key), stageRecordSchema))?.value,
  };
  try {
    return await run(world);
  } finally {
    restore();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox.close();
  }
}

/** The removal worker's queue handler, as the worker Lambda builds it: one dispatcher for every message kind. */
export async function workerDispatch(world: GitHubWorld): Promise<(body: string) => Promise<unknown>> {
  const buildspec = await loadBuildspec();
  const codebuild = codebuildClient({ region: "us-east-1" });
  return (body) => {
    const now = world.sandbox.clock.now();
    const worker = { store: world.store, config: world.config, now, codebuild, buildspec };
    return dispatcher({ worker, github: world.deps(now) })(body);
  };
}
