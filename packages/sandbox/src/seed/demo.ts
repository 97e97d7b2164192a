import { stateBucketName } from "../estate/render.js";
import { updateId } from "../estate/state.js";
import { parseSeed, type Seed, type SeedInput } from "./schema.js";

/**
 * The demo estate `npm start` and `stagekeeper sandbox` serve: a small team's three SST apps in a dev and a
 * prod account, with every situation Stagekeeper has to handle somewhere in it. Times are relative to a fixed
 * `now`, so the demo is the same on every run.
 */
export const DEMO_NOW = "2026-11-27T08:00:00Z";
export const DEMO_DEV = "111111111111";
export const DEMO_PROD = "222222222222";

/** The services Stagekeeper itself uses, the same in the demo and in generated estates. */
export const DEMO_SERVICES = {
  ledger: { name: "stagekeeper-ledger-demo", region: "us-east-1" },
  project: { name: "stagekeeper-remove", account: DEMO_DEV, region: "us-east-1" },
  queue: { name: "stagekeeper-removals", account: DEMO_DEV, region: "us-east-1" },
  channels: [
    { id: "C0STAGES", name: "stages" },
    { id: "C0PLATFORM", name: "platform" },
  ],
};

const DAY = 86_400_000;
type StageInput = SeedInput["stages"][number];
type ResourceInput = { type: string; name: string; retain?: boolean };
type PullInput = NonNullable<NonNullable<SeedInput["github"]>["pulls"]>[number];

/** `days` (fractions allowed) before the demo's now. */
function ago(days: number): string {
  return new Date(Date.parse(DEMO_NOW) - Math.round(days * DAY)).toISOString();
}

function date(days: number): string {
  return ago(days).slice(0, 10);
}

const FUNCTION = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";
const LOGS = "aws:cloudwatch/logGroup:LogGroup";
const BUCKET = "aws:s3/bucketV2:BucketV2";
const TABLE = "aws:dynamodb/table:Table";
const API = "aws:apigatewayv2/api:Api";
const QUEUE = "aws:sqs/queue:Queue";
const CDN = "aws:cloudfront/distribution:Distribution";

/** A function as SST deploys it: the function, its role and its log group. */
function fn(name: string): ResourceInput[] {
  return [
    { type: FUNCTION, name },
    { type: ROLE, name: `${name}Role` },
    { type: LOGS, name: `${name}LogGroup` },
  ];
}

/** Each app's components; production retains its data (`removal: "retain"` in sst.config.ts). */
const COMPONENTS: Record<string, (production: boolean) => ResourceInput[]> = {
  shop: (production) => [
    { type: CDN, name: "WebCdn" },
    { type: BUCKET, name: "WebAssets" },
    ...fn("WebServer"),
    ...fn("WebImageOptimizer"),
    { type: TABLE, name: "Carts" },
    { type: QUEUE, name: "OrderEmails" },
    ...fn("OrderEmailsSubscriber"),
    ...(production
      ? [
          { type: TABLE, name: "Orders", retain: true },
          { type: BUCKET, name: "Uploads", retain: true },
        ]
      : []),
  ],
  api: (production) => [
    { type: API, name: "Api" },
    ...fn("ApiGetOrders"),
    ...fn("ApiCreateOrder"),
    ...fn("ApiWebhooks"),
    { type: TABLE, name: "Customers", retain: production },
    { type: QUEUE, name: "Jobs" },
    ...fn("JobsWorker"),
    ...(production ? [{ type: QUEUE, name: "JobsDeadLetter" }, ...fn("ApiAuthorizer")] : []),
  ],
  // The pipeline keeps its raw data everywhere: `removal: "retain"` on its buckets and checkpoints table.
  "data-pipeline": (production) => [
    { type: BUCKET, name: "Raw", retain: true },
    { type: BUCKET, name: "Curated", retain: production },
    ...fn("Ingest"),
    ...fn("Transform"),
    { type: QUEUE, name: "IngestQueue" },
    { type: TABLE, name: "Checkpoints", retain: true },
    ...(production ? [...fn("Export"), { type: QUEUE, name: "ExportQueue" }] : []),
  ],
};

const REPOSITORIES: Record<string, string> = {
  shop: "acme/shop",
  api: "acme/api",
  "data-pipeline": "acme/data-pipeline",
};

interface DemoStage {
  /** Days since the first deploy, and since the newest one (idle time). */
  age: number;
  idle?: number;
  daily: string;
  account?: string;
  region?: string;
  /** The PR behind a `pr-<n>` stage. */
  pr?: { author: string; state: "open" | "closed" | "merged"; closedDaysAgo?: number };
  extra?: Partial<StageInput>;
}

/** Stages are declared with the pull request behind them; the builder collects both. */
function stageBuilder() {
  const pulls: PullInput[] = [];
  const stage = (app: string, name: string, spec: DemoStage): StageInput => {
    const idle = spec.idle ?? spec.age;
    if (spec.pr) {
      const number = Number(name.replace("pr-", ""));
      const closed = spec.pr.state !== "open";
      pulls.push({
        repository: REPOSITORIES[app] ?? app,
        number,
        state: closed ? "closed" : "open",
        merged: spec.pr.state === "merged",
        author: spec.pr.author,
        ...(closed ? { closedAt: ago(spec.pr.closedDaysAgo ?? Math.max(idle - 1, 0)) } : {}),
      });
    }
    return {
      app,
      stage: name,
      account: spec.account ?? DEMO_DEV,
      region: spec.region ?? "us-east-1",
      createdAt: ago(spec.age),
      ...(idle < spec.age ? { lastDeployedAt: ago(idle) } : {}),
      resources: COMPONENTS[app]?.(name === "production") ?? 8,
      cost: { daily: spec.daily },
      ...spec.extra,
    };
  };
  return { stage, pulls };
}

const RUNNING_UPDATE = updateId(new Date(ago(0.01)), "shop/pr-57/running");

/** Days whose spend differs from the usual daily cost (a series entry replaces `daily` on its day). */
function spikes(days: Record<number, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(days).map(([daysAgo, amount]) => [date(Number(daysAgo)), amount]));
}

function demoStages(): { stages: StageInput[]; pulls: PullInput[] } {
  const { stage, pulls } = stageBuilder();
  const protectedStage = { protect: true } as const;
  const stages = [
    // Permanent stages: production in the prod account, staging in dev. All protected by their apps' config.
    stage("shop", "production", {
      age: 320,
      idle: 1,
      daily: "38.2500",
      account: DEMO_PROD,
      // Thanksgiving and Black Friday traffic.
      extra: {
        ...protectedStage,
        cost: { daily: "38.2500", series: spikes({ 1: "61.8050", 0: "74.2210" }) },
      },
    }),
    stage("shop", "staging", { age: 300, idle: 1, daily: "6.1200", extra: protectedStage }),
    stage("api", "production", {
      age: 410,
      idle: 3,
      daily: "21.4000",
      account: DEMO_PROD,
      extra: { ...protectedStage, cost: { daily: "21.4000", series: spikes({ 9: "35.9125" }) } },
    }),
    stage("api", "staging", { age: 400, idle: 3, daily: "4.8000", extra: protectedStage }),
    stage("data-pipeline", "production", {
      age: 150,
      idle: 5,
      daily: "33.7500",
      account: DEMO_PROD,
      extra: { ...protectedStage, gzip: true },
    }),
    // The app's config protects staging now, but the state was last written before it did.
    stage("data-pipeline", "staging", {
      age: 140,
      idle: 40,
      daily: "9.9000",
      region: "eu-west-1",
      extra: { protect: false, gzip: true },
    }),

    // Pull-request stages of the shop.
    // An old state from before SST wrote `_protect`: protection unknown.
    stage("shop", "pr-33", {
      age: 90,
      idle: 60,
      daily: "0.4321",
      pr: { author: "bob", state: "open" },
      extra: { protect: null },
    }),
    stage("shop", "pr-38", {
      age: 45,
      idle: 30,
      daily: "2.3115",
      pr: { author: "carol", state: "closed", closedDaysAgo: 29 },
    }),
    // `pr-42` of the shop and `pr-42` of the api are different stages of different PRs.
    stage("shop", "pr-42", {
      age: 12,
      idle: 9,
      daily: "1.8420",
      pr: { author: "alice", state: "merged", closedDaysAgo: 8 },
    }),
    stage("shop", "pr-49", {
      age: 20,
      idle: 8,
      daily: "4.2000",
      pr: { author: "dave", state: "merged", closedDaysAgo: 7 },
    }),
    stage("shop", "pr-53", { age: 9, idle: 2, daily: "1.1000", pr: { author: "erin", state: "open" } }),
    // A deploy is running right now: a fresh lock.
    stage("shop", "pr-57", {
      age: 3,
      idle: 1,
      daily: "0.8500",
      pr: { author: "alice", state: "open" },
      // SST writes the update record when the update starts and completes it at the end; the lock names it.
      extra: {
        lock: { created: ago(0.01), command: "deploy", updateID: RUNNING_UPDATE, runID: "run-alice-laptop" },
        updates: [
          { timeStarted: ago(3), timeCompleted: ago(2.999) },
          { timeStarted: ago(1), timeCompleted: ago(0.999) },
          { id: RUNNING_UPDATE, timeStarted: ago(0.01), runID: "run-alice-laptop" },
        ],
      },
    }),
    stage("shop", "pr-60", { age: 2, daily: "0.6275", pr: { author: "frank", state: "open" } }),
    stage("shop", "pr-61", { age: 1, daily: "0.0500", pr: { author: "bob", state: "open" } }),

    // Pull-request stages of the api.
    stage("api", "pr-42", { age: 15, idle: 10, daily: "3.0500", pr: { author: "carol", state: "open" } }),
    stage("api", "pr-97", {
      age: 35,
      idle: 21,
      daily: "6.4000",
      pr: { author: "dave", state: "merged", closedDaysAgo: 20 },
      extra: { cost: { daily: "6.4000", series: spikes({ 14: "19.2500", 13: "22.0075", 12: "17.9000" }) } },
    }),
    // A deploy that died 11 days ago and left its lock behind: stale.
    stage("api", "pr-105", {
      age: 14,
      idle: 11,
      daily: "1.2575",
      pr: { author: "bob", state: "closed", closedDaysAgo: 10 },
      extra: { lock: { created: ago(11), command: "deploy" } },
    }),
    // Its newest deploy failed.
    stage("api", "pr-111", {
      age: 8,
      daily: "0.6000",
      region: "eu-west-1",
      pr: { author: "erin", state: "open" },
      extra: {
        updates: [
          { command: "deploy", timeStarted: ago(8), timeCompleted: ago(7.99) },
          {
            command: "deploy",
            timeStarted: ago(7.5),
            timeCompleted: ago(7.49),
            errors: ["ResourceConflictException: Function already exist: api-pr-111-ApiWebhooks"],
          },
        ],
      },
    }),
    stage("api", "pr-118", { age: 6, idle: 0.5, daily: "2.7500", pr: { author: "alice", state: "open" } }),
    stage("api", "pr-120", { age: 2, daily: "0.9500", pr: { author: "frank", state: "open" } }),
    stage("api", "pr-121", { age: 1, daily: "0.1200", pr: { author: "dave", state: "open" } }),

    // Pull-request stages of the pipeline; the app compresses its state.
    stage("data-pipeline", "pr-7", {
      age: 25,
      idle: 18,
      daily: "12.8000",
      pr: { author: "erin", state: "merged", closedDaysAgo: 17 },
      extra: { gzip: true, cost: { daily: "12.8000", series: spikes({ 20: "55.0000" }) } },
    }),
    // Removed 22 days ago; its retained bucket and table are still there, still tagged.
    stage("data-pipeline", "pr-8", {
      age: 30,
      idle: 22,
      daily: "2.0500",
      pr: { author: "frank", state: "merged", closedDaysAgo: 22 },
      extra: { gzip: true, live: false },
    }),
    stage("data-pipeline", "pr-9", {
      age: 4,
      idle: 1,
      daily: "9.3500",
      pr: { author: "carol", state: "open" },
      extra: { gzip: true },
    }),
    stage("data-pipeline", "pr-10", {
      age: 1,
      daily: "0.2000",
      pr: { author: "alice", state: "open" },
      extra: { gzip: true },
    }),

    // Personal stages, named after their owners.
    stage("shop", "alice", { age: 60, idle: 2, daily: "1.4500" }),
    stage("shop", "bob", { age: 40, idle: 20, daily: "2.1000" }),
    stage("shop", "dave", { age: 88, daily: "0.1200", region: "eu-west-1" }),
    stage("shop", "erin", { age: 15, daily: "0.3000" }),
    stage("api", "alice", { age: 30, idle: 16, daily: "0.9000" }),
    stage("api", "carol-dev", { age: 70, idle: 30, daily: "3.3333" }),
    stage("api", "dave", { age: 5, idle: 1, daily: "0.7500" }),
    stage("data-pipeline", "erin", {
      age: 50,
      idle: 45,
      daily: "7.1250",
      region: "eu-west-1",
      extra: { gzip: true },
    }),
    stage("data-pipeline", "frank", { age: 10, idle: 3, daily: "4.5000", extra: { gzip: true } }),
    // Idle for 13.5 days: inside the default warning window of a 14-day personal policy.
    stage("data-pipeline", "carol-dev", { age: 13.5, daily: "1.9900", extra: { gzip: true } }),

    // Other names: priced and reported, never removed by default.
    stage("shop", "feature-payments", { age: 22, idle: 6, daily: "2.4000" }),
    // The same stage name in both accounts.
    stage("api", "load-test", { age: 18, daily: "18.7500" }),
    stage("api", "load-test", { age: 18, idle: 17, daily: "24.5000", account: DEMO_PROD }),
    stage("data-pipeline", "backfill-2026", { age: 40, idle: 39, daily: "3.0000", extra: { gzip: true } }),
  ];
  return { stages, pulls };
}

export function demoSeed(): Seed {
  const { stages, pulls } = demoStages();
  const devState = stateBucketName(DEMO_DEV, "us-east-1");
  const seed: SeedInput = {
    version: 1,
    now: DEMO_NOW,
    accounts: [
      {
        id: DEMO_DEV,
        name: "dev",
        regions: ["us-east-1", "eu-west-1"],
        buckets: [DEMO_SERVICES.ledger],
        untaggedDaily: "4.8500",
      },
      { id: DEMO_PROD, name: "prod", regions: ["us-east-1"], untaggedDaily: "12.4000" },
    ],
    apps: Object.entries(REPOSITORIES).map(([name, repository]) => ({
      name,
      repository,
      protect: ["production", "staging"],
    })),
    stages,
    orphans: [
      // A stage whose state was deleted by hand; its resources are still running and tagged.
      {
        account: DEMO_DEV,
        region: "us-east-1",
        app: "shop",
        stage: "pr-31",
        resources: [{ type: BUCKET, name: "WebAssets" }, ...fn("WebServer")],
        // The earliest series date is where an orphan's spend starts.
        cost: { daily: "0.3500", series: { [date(60)]: "0.3500" } },
      },
      {
        account: DEMO_DEV,
        region: "eu-west-1",
        app: "api",
        stage: "gina",
        resources: [
          { type: TABLE, name: "Customers" },
          { type: QUEUE, name: "Jobs" },
        ],
        cost: { daily: "0.0800", series: { [date(75)]: "0.0800" } },
      },
    ],
    objects: [
      // A key SST would never write: reported as malformed, never acted on.
      {
        bucket: devState,
        key: "app/shop/bad$name.json",
        body: JSON.stringify({
          version: 3,
          checkpoint: { stack: "organization/shop/bad$name", latest: { resources: [] } },
        }),
      },
      // A state file cut short: not JSON.
      {
        bucket: devState,
        key: "app/api/pr-77.json",
        body: '{"version": 3, "checkpoint": {"stack": "organization/api/pr-77", "latest": {"resou',
      },
    ],
    codebuild: { projects: [DEMO_SERVICES.project] },
    queues: [DEMO_SERVICES.queue],
    slack: {
      channels: DEMO_SERVICES.channels,
      users: ["alice", "bob", "carol", "dave", "erin", "frank", "gina"].map((name) => ({
        id: `U0${name.toUpperCase()}`,
        name,
      })),
    },
    github: { pulls },
  };
  return parseSeed(seed);
}
