import { TYPICAL_TYPES } from "../estate/resources.js";
import { DEMO_DEV, DEMO_NOW, DEMO_PROD, DEMO_SERVICES } from "./demo.js";
import { parseSeed, type Seed, type SeedInput } from "./schema.js";

export interface GenerateOptions {
  /** How many stages, permanent ones included (each app has a production and a staging stage). */
  stages: number;
  /** The same number always makes the same estate. */
  seedNumber: number;
  /** How far back stages were created and deployed (default 90). */
  days?: number;
  /** Resources over the whole estate, orphans included (default 10 per stage); spread unevenly. */
  resources?: number;
  /** 2 or 3 accounts; by default the seed number decides. */
  accounts?: 2 | 3;
  /** Where the sandbox clock starts (default the demo's now). */
  now?: string;
}

const DAY = 86_400_000;
const QA = "333333333333";
const REGIONS = ["us-east-1", "eu-west-1"];
const APP_NAMES = [
  "shop",
  "api",
  "data-pipeline",
  "admin",
  "billing",
  "search",
  "auth",
  "notifications",
  "analytics",
  "checkout",
  "inventory",
  "reports",
  "media",
  "payments",
  "catalog",
  "gateway",
  "docs",
  "mobile-api",
  "chat",
  "scheduler",
];
const OWNERS = [
  "alice",
  "bob",
  "carol",
  "dave",
  "erin",
  "frank",
  "gina",
  "hank",
  "ivan",
  "judy",
  "kim",
  "leo",
  "mia",
  "nick",
  "olga",
  "pete",
  "quinn",
  "rosa",
  "sam",
  "tina",
  "uma",
  "victor",
  "wendy",
  "xavier",
  "yara",
  "zoe",
];
const OTHER_NAMES = [
  "feature-payments",
  "feature-search",
  "load-test",
  "demo",
  "perf",
  "spike",
  "preview",
  "qa",
];

type StageInput = SeedInput["stages"][number];
type PullInput = NonNullable<NonNullable<SeedInput["github"]>["pulls"]>[number];
type Kind = "production" | "staging" | "pr" | "personal" | "other";

/** How many resources a stage of each kind has, relative to a PR stage. */
const WEIGHT: Record<Kind, number> = { production: 4, staging: 2.5, pr: 1, personal: 1, other: 1.5 };

interface AppPlan {
  name: string;
  repository: string;
  home: string;
  gzip: boolean;
  nextPr: number;
}

/**
 * Makes an estate of any size from a seed number: apps of about twenty stages each over two or three
 * accounts and two regions, with the mix a real team has (permanent stages, many PR stages, personal and
 * other names), ages and idle times up to `days`, costs, and a few locks, old states, gzip states, removed
 * stages and orphans.
 */
export function generateSeed(options: GenerateOptions): Seed {
  const { stages: total, seedNumber } = options;
  const days = options.days ?? 90;
  const resourceTotal = options.resources ?? total * 10;
  if (!(Number.isInteger(total) && total >= 1))
    throw new Error("generateSeed: stages must be a whole number ≥ 1");
  if (!(days > 0)) throw new Error("generateSeed: days must be positive");
  if (!(Number.isInteger(resourceTotal) && resourceTotal >= 0))
    throw new Error("generateSeed: resources must be a whole number ≥ 0");
  const random = mulberry32(seedNumber);
  const between = (low: number, high: number) => low + random() * (high - low);
  const integer = (low: number, high: number) => Math.floor(between(low, high + 1));
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const nowMs = Date.parse(options.now ?? DEMO_NOW);
  const ago = (d: number) => new Date(nowMs - Math.round(d * DAY)).toISOString();
  /** Log-uniform, so most stages are cheap and a few are not; four decimals as Cost Explorer rounds. */
  const money = (low: number, high: number) => Math.exp(between(Math.log(low), Math.log(high))).toFixed(4);

  const accountCount = options.accounts ?? (chance(0.5) ? 3 : 2);
  const devAccounts = accountCount === 3 ? [DEMO_DEV, QA] : [DEMO_DEV];
  const appCount = Math.max(1, Math.round(total / 20));
  const apps: AppPlan[] = Array.from({ length: appCount }, (_, i) => {
    const base = APP_NAMES[i % APP_NAMES.length] ?? "app";
    const name = i < APP_NAMES.length ? base : `${base}-${Math.floor(i / APP_NAMES.length) + 1}`;
    return {
      name,
      repository: `acme/${name}`,
      home: chance(0.7) ? "us-east-1" : "eu-west-1",
      gzip: chance(0.2),
      nextPr: integer(1, 300),
    };
  });

  const taken = new Set<string>();
  const kinds: Kind[] = [];
  const stages: StageInput[] = [];
  const pulls: PullInput[] = [];
  const owners = new Set<string>();

  const add = (
    app: AppPlan,
    name: string,
    account: string,
    kind: Kind,
    stage: Omit<StageInput, "app" | "stage" | "account">,
  ) => {
    taken.add(`${account}/${app.name}/${name}`);
    kinds.push(kind);
    stages.push({ app: app.name, stage: name, account, ...stage, ...(app.gzip ? { gzip: true } : {}) });
  };
  const free = (app: AppPlan, name: string, account: string) => !taken.has(`${account}/${app.name}/${name}`);
  const region = (app: AppPlan) => (chance(0.85) ? app.home : pick(REGIONS));

  // Permanent stages first, so that even a small estate has them.
  for (const app of apps) {
    if (stages.length >= total) break;
    const age = between(days * 0.8, days);
    add(app, "production", DEMO_PROD, "production", {
      region: app.home,
      createdAt: ago(age),
      lastDeployedAt: ago(between(0, Math.min(age, 10))),
      protect: true,
      cost: { daily: money(5, 40) },
    });
    if (stages.length >= total) break;
    add(app, "staging", DEMO_DEV, "staging", {
      region: app.home,
      createdAt: ago(age),
      lastDeployedAt: ago(between(0, Math.min(age, 20))),
      // Now and then the config protects staging but the state predates it.
      protect: !chance(0.1),
      cost: { daily: money(1, 12) },
    });
  }

  while (stages.length < total) {
    const app = pick(apps);
    const roll = random();
    const kind: Kind = roll < 0.55 ? "pr" : roll < 0.85 ? "personal" : "other";
    const account = kind === "other" && chance(0.1) ? DEMO_PROD : pick(devAccounts);
    let name: string;
    if (kind === "pr") {
      name = `pr-${app.nextPr}`;
      app.nextPr += integer(1, 4);
    } else if (kind === "personal") {
      const owner = pick(OWNERS);
      name = pick([owner, owner, owner, `${owner}-dev`, `${owner}-test`]);
      if (!free(app, name, account)) continue;
      owners.add(owner);
    } else {
      name = pick(OTHER_NAMES);
      for (let n = 2; !free(app, name, account); n++) name = `${pick(OTHER_NAMES)}-${n}`;
    }
    // PR stages are mostly young; personal and other stages live longer.
    const age = Math.max(0.05, kind === "pr" ? days * random() ** 2 : days * random());
    const idle = age * random() ** 1.5;
    const stage: Omit<StageInput, "app" | "stage" | "account"> = {
      region: region(app),
      createdAt: ago(age),
      ...(idle < age ? { lastDeployedAt: ago(idle) } : {}),
      cost: { daily: kind === "other" ? money(0.5, 30) : money(0.05, 15) },
    };
    if (age > 30 && chance(0.08)) stage.protect = null;
    if (chance(0.05)) {
      const daily = Number(stage.cost?.daily);
      const series: Record<string, string> = {};
      for (let i = integer(1, 3); i > 0; i--)
        series[ago(between(0, age)).slice(0, 10)] = (daily * between(2, 6)).toFixed(4);
      stage.cost = { daily: stage.cost?.daily ?? "0", series };
    }
    if (kind === "pr") {
      const closed = chance(idle > 10 ? 0.7 : 0.3);
      // A stage removed after its PR merged, its retained table left behind.
      if (closed && chance(0.1)) stage.live = false;
      pulls.push({
        repository: app.repository,
        number: Number(name.slice(3)),
        state: closed ? "closed" : "open",
        merged: closed && chance(0.75),
        author: pick(OWNERS),
        ...(closed ? { closedAt: ago(between(0, idle)) } : {}),
      });
    }
    // Locks of deploys running now, and of deploys that died and left theirs behind.
    if (stage.live !== false && chance(0.012))
      stage.lock = { created: ago(chance(0.5) ? Math.min(idle, 0.02) : between(idle / 2, idle)) };
    add(app, name, account, kind, stage);
  }

  const orphans: SeedInput["orphans"] = [];
  for (let i = Math.floor(total / 100); i > 0; i--) {
    const app = pick(apps);
    const name = `pr-${app.nextPr}`;
    app.nextPr += 1;
    orphans.push({
      account: pick(devAccounts),
      region: app.home,
      app: app.name,
      stage: name,
      resources: resourceList(integer(1, 6), false),
      cost: { daily: money(0.05, 2), series: { [ago(between(1, days)).slice(0, 10)]: money(0.05, 2) } },
    });
  }

  spreadResources(
    stages,
    kinds,
    Math.max(0, resourceTotal - orphans.reduce((n, o) => n + o.resources.length, 0)),
    random,
  );

  const seed: SeedInput = {
    version: 1,
    now: new Date(nowMs).toISOString(),
    accounts: [
      {
        id: DEMO_DEV,
        name: "dev",
        regions: REGIONS,
        buckets: [DEMO_SERVICES.ledger],
        untaggedDaily: money(1, 15),
      },
      { id: DEMO_PROD, name: "prod", regions: REGIONS, untaggedDaily: money(5, 40) },
      ...(accountCount === 3 ? [{ id: QA, name: "qa", regions: REGIONS, untaggedDaily: money(0.5, 8) }] : []),
    ],
    apps: apps.map((app) => ({
      name: app.name,
      repository: app.repository,
      protect: ["production", "staging"],
    })),
    stages,
    orphans,
    codebuild: { projects: [DEMO_SERVICES.project] },
    queues: [DEMO_SERVICES.queue],
    slack: {
      channels: DEMO_SERVICES.channels,
      users: [...owners].sort().map((name) => ({ id: `U0${name.toUpperCase()}`, name })),
    },
    github: { pulls },
  };
  return parseSeed(seed);
}

/** Splits the total over the stages by kind and chance, exactly; removed stages keep a retained table. */
function spreadResources(stages: StageInput[], kinds: Kind[], total: number, random: () => number): void {
  const weights = kinds.map((kind) => WEIGHT[kind] * (0.5 + random()));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / sum) * total));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % counts.length, left--) counts[i] = (counts[i] ?? 0) + 1;
  stages.forEach((stage, i) => {
    const count = counts[i] ?? 0;
    stage.resources = stage.live === false ? resourceList(count, true) : count;
  });
}

/** The typical mix by name; with `retainTable` the first table is kept on removal. */
function resourceList(
  count: number,
  retainTable: boolean,
): { type: string; name: string; retain: boolean }[] {
  let retained = !retainTable;
  return Array.from({ length: count }, (_, i) => {
    const type = TYPICAL_TYPES[i % TYPICAL_TYPES.length] ?? "aws:lambda/function:Function";
    const retain = !retained && type === "aws:dynamodb/table:Table";
    if (retain) retained = true;
    return { type, name: `Resource${i}`, retain };
  });
}

/** A small seeded generator: the same seed number gives the same estate on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
