import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseSeed, type Sandbox } from "../../sandbox/src/index.js";
import { DEV, PROD, testSeed } from "../../sandbox/test/fixtures.js";
import { s3Client } from "../src/aws/clients.js";
import { type Config, parseConfig } from "../src/config/index.js";
import { readAudit } from "../src/ledger/audit.js";
import { LedgerStore } from "../src/ledger/store.js";
import { runDaily } from "../src/run/daily.js";
import type { SlackDeps } from "../src/slack/deps.js";
import { handleSlackRequest } from "../src/slack/handler.js";
import type { SlackActionMessage } from "../src/slack/message.js";

export { DEV, PROD };
export const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const CHANNEL = "C0STAGES";
export const ADMIN = "U0ADMIN";
export const ALICE = "U0ALICE";
export const BOB = "U0BOB";
export const CAROL = "U0CAROL";
export const NOW = "2026-11-20T09:00:00Z";

const stage = (app: string, name: string, extra: Record<string, unknown> = {}) => ({
  app,
  stage: name,
  account: DEV,
  region: "us-east-1",
  createdAt: "2026-11-15T10:00:00Z",
  lastDeployedAt: "2026-11-19T10:00:00Z",
  cost: { daily: "1.4" },
  ...extra,
});

/** Two apps with a `pr-12` each (a bare name is ambiguous), personal stages, a protected one, production. */
export function slackSeed() {
  const base = testSeed();
  const [dev, ...others] = base.accounts;
  return parseSeed({
    ...base,
    accounts: [
      { ...dev, buckets: [...(dev?.buckets ?? []), { name: "stagekeeper-empty", region: "us-east-1" }] },
      ...others,
    ],
    stages: [
      stage("shop", "production", { account: PROD, protect: true, cost: { daily: "41.5" } }),
      stage("shop", "pr-12", { cost: { daily: "1.2345" } }),
      stage("api", "pr-12", { region: "eu-west-1", cost: { daily: "0.5" } }),
      stage("shop", "pr-7"),
      stage("shop", "alice", { cost: { daily: "2" } }),
      stage("shop", "carol", { protect: true }),
    ],
    slack: {
      channels: [{ id: CHANNEL, name: "stages" }],
      users: [
        { id: ADMIN, name: "admin" },
        { id: ALICE, name: "alice" },
        { id: BOB, name: "bob" },
        { id: CAROL, name: "carol" },
      ],
    },
  });
}

export function slackConfig(extra: Record<string, unknown> = {}): Config {
  return parseConfig({
    dryRun: false,
    accounts: [
      { id: DEV, regions: ["us-east-1", "eu-west-1"] },
      { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/stagekeeper`, regions: ["us-east-1"] },
    ],
    owners: { alice: ALICE, carol: CAROL },
    apps: [
      { name: "shop", repository: "acme/shop" },
      { name: "api", repository: "acme/api" },
    ],
    slack: { channel: CHANNEL, admins: [ADMIN] },
    ledger: { bucket: "stagekeeper-ledger" },
    removal: { project: "stagekeeper-remove", queue: "stagekeeper-removals" },
    ...extra,
  });
}

export function ledger(config: Config): LedgerStore {
  return new LedgerStore(s3Client({ region: "us-east-1" }), config.ledger?.bucket ?? "");
}

/** The daily run writes the snapshot that /stages answers from. */
export async function dailySnapshot(sandbox: Sandbox, config: Config): Promise<void> {
  await runDaily({ config, now: sandbox.clock.now(), homeRegion: "us-east-1" });
}

/** Deps for the Slack handler against the sandbox, with the sent queue messages kept for inspection. */
export function slackDeps(sandbox: Sandbox, config: Config, overrides: Partial<SlackDeps> = {}) {
  const enqueued: SlackActionMessage[] = [];
  const deps: SlackDeps = {
    config,
    store: ledger(config),
    signingSecret: SECRET,
    now: () => sandbox.clock.now(),
    enqueue: async (message) => {
      enqueued.push(message);
    },
    ...overrides,
  };
  return { deps, enqueued };
}

export function sign(body: string, timestamp: number, secret = SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function seconds(sandbox: Sandbox): number {
  return Math.floor(sandbox.clock.now().getTime() / 1000);
}

/** Every object in the ledger bucket, for "nothing was written" checks. */
export async function ledgerKeys(store: LedgerStore): Promise<string[]> {
  return (await store.list("")).map((l) => l.key).sort();
}

export async function auditOf(store: LedgerStore, day = NOW.slice(0, 10)) {
  return readAudit(store, day);
}

/** Serves the handler on 127.0.0.1 as a Function URL would: the raw body, lower-case headers. */
export async function serveSlack(deps: SlackDeps): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handleSlackRequest(deps, {
        method: req.method ?? "GET",
        headers: req.headers,
        body: Buffer.concat(chunks),
      })
        .then((out) => {
          res.writeHead(out.status, out.headers);
          res.end(out.body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
