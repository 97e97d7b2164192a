import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { stateBucketName } from "../src/estate/render.js";
import {
  DEMO_DEV,
  DEMO_NOW,
  DEMO_PROD,
  demoSeed,
  generateSeed,
  parseSeed,
  type Seed,
  startSandbox,
} from "../src/index.js";
import { clientConfig, withSandbox } from "./fixtures.js";

const DAY = 86_400_000;
const now = Date.parse(DEMO_NOW);
const PERSONAL = ["alice", "bob", "carol-dev", "dave", "erin", "frank"];
const PERMANENT = ["production", "staging"];

type StageSeed = Seed["stages"][number];
const idleDays = (s: StageSeed) => (now - Date.parse(s.lastDeployedAt ?? s.createdAt)) / DAY;
const ageDays = (s: StageSeed) => (now - Date.parse(s.createdAt)) / DAY;
const isPr = (s: StageSeed) => /^pr-\d+$/.test(s.stage);
const isPersonal = (s: StageSeed) => PERSONAL.includes(s.stage);
const resourceCount = (seed: Seed) =>
  seed.stages.reduce((n, s) => n + (Array.isArray(s.resources) ? s.resources.length : s.resources), 0) +
  seed.orphans.reduce((n, o) => n + o.resources.length, 0);

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected an error");
}

describe("demo estate", () => {
  const seed = demoSeed();

  it("has three apps in a dev and a prod account, with the product's own services", () => {
    expect(seed.apps.map((a) => a.name)).toEqual(["shop", "api", "data-pipeline"]);
    expect(seed.accounts.map((a) => [a.id, a.regions])).toEqual([
      [DEMO_DEV, ["us-east-1", "eu-west-1"]],
      [DEMO_PROD, ["us-east-1"]],
    ]);
    expect(new Set(seed.stages.map((s) => `${s.account}/${s.region}`))).toEqual(
      new Set([`${DEMO_DEV}/us-east-1`, `${DEMO_DEV}/eu-west-1`, `${DEMO_PROD}/us-east-1`]),
    );
    expect(seed.accounts.every((a) => Number(a.untaggedDaily) > 0)).toBe(true);
    expect(seed.accounts[0]?.buckets).toEqual([{ name: "stagekeeper-ledger-demo", region: "us-east-1" }]);
    expect(seed.codebuild.projects).toEqual([
      { name: "stagekeeper-remove", account: DEMO_DEV, region: "us-east-1" },
    ]);
    expect(seed.queues).toEqual([{ name: "stagekeeper-removals", account: DEMO_DEV, region: "us-east-1" }]);
    expect(seed.slack.channels.map((c) => `${c.id} #${c.name}`)).toEqual([
      "C0STAGES #stages",
      "C0PLATFORM #platform",
    ]);
    const users = seed.slack.users.map((u) => u.name);
    for (const owner of PERSONAL) expect(users).toContain(owner.replace(/-dev$/, ""));
  });

  it("protects production and staging in config, and in state except one stale staging state", () => {
    for (const app of seed.apps) expect(app.protect).toEqual(PERMANENT);
    const permanent = seed.stages.filter((s) => PERMANENT.includes(s.stage));
    expect(permanent).toHaveLength(6);
    expect(permanent.filter((s) => s.stage === "production").every((s) => s.account === DEMO_PROD)).toBe(
      true,
    );
    const unprotected = permanent.filter((s) => s.protect !== true).map((s) => `${s.app}/${s.stage}`);
    expect(unprotected).toEqual(["data-pipeline/staging"]);
    expect(permanent.find((s) => s.app === "data-pipeline" && s.stage === "staging")?.protect).toBe(false);
  });

  it("has about thirty PR and personal stages of varied age, idle time and cost", () => {
    const ephemeral = seed.stages.filter((s) => isPr(s) || isPersonal(s));
    expect(ephemeral.length).toBeGreaterThanOrEqual(27);
    expect(ephemeral.length).toBeLessThanOrEqual(33);
    expect(seed.stages.filter(isPersonal).map((s) => s.stage)).toEqual(expect.arrayContaining(PERSONAL));
    const ages = ephemeral.map(ageDays);
    expect(Math.min(...ages)).toBeLessThanOrEqual(1);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(88);
    expect(Math.max(...ages)).toBeLessThanOrEqual(90);
    const live = ephemeral.filter((s) => s.live);
    // Expired under the default policy, and fresh ones that are not.
    expect(live.filter((s) => isPr(s) && idleDays(s) > 7).length).toBeGreaterThanOrEqual(5);
    expect(live.filter((s) => isPersonal(s) && idleDays(s) > 14).length).toBeGreaterThanOrEqual(4);
    expect(live.filter((s) => idleDays(s) <= 2).length).toBeGreaterThanOrEqual(8);
    const daily = seed.stages.map((s) => s.cost.daily ?? "0");
    for (const amount of daily) expect(amount).toMatch(/^\d+\.\d{1,4}$/);
    const values = daily.map(Number);
    expect(Math.min(...values)).toBe(0.05);
    expect(Math.max(...values)).toBeGreaterThanOrEqual(38);
    expect(Math.max(...values)).toBeLessThanOrEqual(40);
    const spiky = seed.stages.filter((s) => Object.keys(s.cost.series).length > 0);
    expect(spiky.length).toBeGreaterThanOrEqual(3);
  });

  it("holds every awkward case: locks, old and gzip states, shared names, orphans, leftovers, malformed keys", () => {
    const locks = seed.stages.filter((s) => s.lock);
    const lockAges = locks.map((s) => (now - Date.parse(s.lock?.created ?? "")) / DAY);
    expect(lockAges.some((days) => days >= 7)).toBe(true);
    expect(lockAges.some((days) => days < 1)).toBe(true);

    const old = seed.stages.filter((s) => s.protect === null);
    expect(old.map((s) => `${s.app}/${s.stage}`)).toEqual(["shop/pr-33"]);
    expect(idleDays(old[0] as StageSeed)).toBeGreaterThan(7);

    expect(seed.stages.filter((s) => s.gzip).length).toBeGreaterThanOrEqual(2);

    const byName = (name: string) => seed.stages.filter((s) => s.stage === name);
    expect(byName("pr-42").map((s) => [s.app, s.account])).toEqual([
      ["shop", DEMO_DEV],
      ["api", DEMO_DEV],
    ]);
    expect(byName("load-test").map((s) => [s.app, s.account])).toEqual([
      ["api", DEMO_DEV],
      ["api", DEMO_PROD],
    ]);
    expect(seed.stages.map((s) => s.stage)).toEqual(
      expect.arrayContaining(["feature-payments", "backfill-2026"]),
    );

    expect(seed.orphans.length).toBeGreaterThanOrEqual(1);
    for (const orphan of seed.orphans) {
      expect(seed.stages.some((s) => s.app === orphan.app && s.stage === orphan.stage)).toBe(false);
    }
    const removed = seed.stages.filter((s) => !s.live);
    expect(removed).toHaveLength(1);
    const leftovers = removed[0]?.resources;
    expect(
      Array.isArray(leftovers) && leftovers.some((r) => r.retain && r.type === "aws:dynamodb/table:Table"),
    ).toBe(true);

    const devState = stateBucketName(DEMO_DEV, "us-east-1");
    expect(seed.objects.map((o) => `${o.bucket}/${o.key}`)).toEqual([
      `${devState}/app/shop/bad$name.json`,
      `${devState}/app/api/pr-77.json`,
    ]);
    expect(() => JSON.parse(seed.objects[1]?.body ?? "")).toThrow();
  });

  it("has a pull request for every PR stage, open, closed and merged", () => {
    const prStages = seed.stages.filter(isPr);
    for (const stage of prStages) {
      const repository = seed.apps.find((a) => a.name === stage.app)?.repository;
      const number = Number(stage.stage.slice(3));
      expect(
        seed.github.pulls.filter((p) => p.repository === repository && p.number === number),
      ).toHaveLength(1);
    }
    expect(seed.github.pulls).toHaveLength(prStages.length);
    const states = seed.github.pulls.map((p) => (p.merged ? "merged" : p.state));
    for (const state of ["open", "closed", "merged"]) expect(states).toContain(state);
    for (const pull of seed.github.pulls) expect(pull.closedAt !== undefined).toBe(pull.state === "closed");
  });

  it("is the same on every run", () => {
    expect(JSON.stringify(demoSeed())).toBe(JSON.stringify(seed));
  });

  it("renders the state as SST writes it: checkpoints, gzip, old states, locks and leftovers", async () => {
    await withSandbox(seed, async (sandbox) => {
      const dev = sandbox.estate.bucket(stateBucketName(DEMO_DEV, "us-east-1"));
      const eu = sandbox.estate.bucket(stateBucketName(DEMO_DEV, "eu-west-1"));
      const body = (key: string, bucket = dev) => {
        const object = bucket?.objects.get(key);
        if (!object) throw new Error(`no ${key}`);
        const bytes =
          object.body[0] === 0x1f && object.body[1] === 0x8b ? gunzipSync(object.body) : object.body;
        return JSON.parse(bytes.toString("utf8"));
      };
      const stack = (key: string) => body(key).checkpoint.latest.resources[0];
      expect(stack("app/shop/pr-42.json").outputs).toEqual({ _protect: false });
      expect(stack("app/shop/pr-33.json").outputs).toEqual({});
      expect(dev?.objects.get("app/data-pipeline/pr-9.json")?.body.subarray(0, 2)).toEqual(
        Buffer.from([0x1f, 0x8b]),
      );
      expect(body("app/data-pipeline/pr-9.json").checkpoint.stack).toBe("organization/data-pipeline/pr-9");
      expect(body("app/data-pipeline/pr-8.json").checkpoint.latest.resources).toEqual([]);
      expect(body("lock/api/pr-105.json").command).toBe("deploy");
      // A running deploy: its lock names the newest update record, which has no completion yet.
      const running = body("lock/shop/pr-57.json");
      const newest = [...(dev?.objects.keys() ?? [])]
        .filter((k) => k.startsWith("update/shop/pr-57/"))
        .sort()[0];
      expect(newest).toBe(`update/shop/pr-57/${running.updateID}.json`);
      expect(body(newest as string).timeCompleted).toBeUndefined();
      // Update ids sort newest first: the failed deploy is listed first.
      const updates = [...(eu?.objects.keys() ?? [])]
        .filter((k) => k.startsWith("update/api/pr-111/"))
        .sort();
      expect(updates).toHaveLength(2);
      expect(body(updates[0] as string, eu).errors).toHaveLength(1);
      expect(body(updates[1] as string, eu).errors).toEqual([]);

      const tagged = [...sandbox.estate.accountResources(DEMO_DEV).values()];
      const of = (app: string, stage: string) =>
        tagged.filter((r) => r.tags["sst:app"] === app && r.tags["sst:stage"] === stage);
      expect(of("shop", "pr-31").length).toBeGreaterThan(0);
      expect(of("data-pipeline", "pr-8").map((r) => r.type)).toEqual(["s3", "dynamodb:table"]);
    });
  });
});

describe("seed validation", () => {
  const valid = () => JSON.parse(JSON.stringify(demoSeed()));

  it("names the field of each problem", () => {
    const seed = valid();
    seed.accounts[0].id = "123";
    expect(errorOf(() => parseSeed(seed))).toContain("accounts.0.id: an account id is 12 digits");

    const cost = valid();
    cost.stages[3].cost.daily = "1,25";
    expect(errorOf(() => parseSeed(cost))).toContain("stages.3.cost.daily");

    const time = valid();
    time.stages[0].createdAt = "yesterday";
    expect(errorOf(() => parseSeed(time))).toContain("stages.0.createdAt");

    const orphan = valid();
    orphan.orphans[0].resources = [];
    expect(errorOf(() => parseSeed(orphan))).toContain("orphans.0.resources");
  });

  it("refuses unknown fields, and lists every problem at once", () => {
    const seed = valid();
    seed.stages[1].protected = true;
    seed.version = 2;
    const message = errorOf(() => parseSeed(seed));
    expect(message).toMatch(/^invalid sandbox seed:/);
    expect(message).toContain("stages.1");
    expect(message).toContain('"protected"');
    expect(message).toContain("version");
  });
});

describe("generated estates", () => {
  it("are the same for the same seed number and differ for another", () => {
    const a = JSON.stringify(generateSeed({ stages: 300, seedNumber: 42 }));
    expect(JSON.stringify(generateSeed({ stages: 300, seedNumber: 42 }))).toBe(a);
    expect(JSON.stringify(generateSeed({ stages: 300, seedNumber: 43 }))).not.toBe(a);
  });

  it("reach 2,000 stages and 100,000 resources over 90 days, with a realistic mix", () => {
    const seed = generateSeed({ stages: 2000, seedNumber: 7, resources: 100_000, days: 90 });
    expect(seed.stages).toHaveLength(2000);
    expect(Math.abs(resourceCount(seed) - 100_000)).toBeLessThanOrEqual(1000);
    expect(seed.apps.length).toBe(100);
    expect(seed.accounts.length).toBeGreaterThanOrEqual(2);
    expect(seed.accounts.length).toBeLessThanOrEqual(3);
    expect(new Set(seed.stages.map((s) => s.region))).toEqual(new Set(["us-east-1", "eu-west-1"]));
    for (const app of seed.apps) {
      const production = seed.stages.find((s) => s.app === app.name && s.stage === "production");
      expect(production?.protect).toBe(true);
    }
    const keys = seed.stages.map((s) => `${s.account}/${s.app}/${s.stage}`);
    expect(new Set(keys).size).toBe(keys.length);
    const ages = seed.stages.map(ageDays);
    expect(Math.max(...ages)).toBeLessThanOrEqual(90);
    expect(seed.stages.every((s) => idleDays(s) <= ageDays(s))).toBe(true);
    const prs = seed.stages.filter(isPr).length;
    expect(prs).toBeGreaterThan(800);
    expect(seed.stages.filter((s) => !isPr(s) && !PERMANENT.includes(s.stage)).length).toBeGreaterThan(400);
    expect(seed.github.pulls).toHaveLength(prs);
    const count = (predicate: (s: StageSeed) => boolean) => seed.stages.filter(predicate).length;
    expect(count((s) => s.lock !== undefined)).toBeGreaterThan(5);
    expect(count((s) => s.protect === null)).toBeGreaterThan(5);
    expect(count((s) => s.gzip)).toBeGreaterThan(5);
    expect(count((s) => !s.live)).toBeGreaterThan(5);
    expect(count((s) => s.protect === false && s.stage === "staging")).toBeGreaterThan(0);
    expect(seed.orphans.length).toBeGreaterThanOrEqual(10);
  });

  it("makes small estates too", () => {
    for (const stages of [1, 2, 5, 30]) {
      const seed = generateSeed({ stages, seedNumber: stages, days: 10, resources: stages * 3 });
      expect(seed.stages).toHaveLength(stages);
      expect(seed.stages.every((s) => ageDays(s) <= 10)).toBe(true);
    }
    expect(() => generateSeed({ stages: 0, seedNumber: 1 })).toThrow(/stages/);
  });

  it("start in a few seconds at full size", async () => {
    const started = performance.now();
    const seed = generateSeed({ stages: 2000, seedNumber: 11, resources: 100_000 });
    const generated = performance.now();
    const sandbox = await startSandbox({ seed });
    const ready = performance.now();
    try {
      const tagged = [...sandbox.estate.resources.values()].reduce((n, m) => n + m.size, 0);
      // IAM roles are never tagged resources; everything else of the typical mix is.
      expect(tagged).toBeGreaterThan(80_000);
      console.log(
        `generate ${Math.round(generated - started)} ms, startSandbox ${Math.round(ready - generated)} ms` +
          ` for 2,000 stages / 100,000 resources (${tagged} tagged)`,
      );
      // About two seconds on an idle two-core machine; the bound only catches a pathological slowdown on a
      // busy CI runner.
      expect(ready - started).toBeLessThan(30_000);
    } finally {
      await sandbox.close();
    }
  }, 60_000);
});

describe("docs/sandbox.md", () => {
  it("has an example seed that parses and serves", async () => {
    const doc = readFileSync(new URL("../../../docs/sandbox.md", import.meta.url), "utf8");
    const section = doc.split(/^## Example seed$/m)[1] ?? "";
    const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const seed = parseSeed(JSON.parse(example ?? ""));
    expect(seed.stages.length).toBeGreaterThan(0);
    await withSandbox(seed, async (sandbox) => {
      expect(sandbox.estate.stages.size).toBe(seed.stages.length);
      // The IAM role is in the state but never in the Tagging API; a removed stage keeps its retained table.
      const tagged = [...sandbox.estate.accountResources("111111111111").values()];
      const typical = ["lambda:function", "logs:log-group", "s3", "dynamodb:table", "apigateway:apis", "sqs"];
      expect(tagged.map((r) => `${r.tags["sst:stage"]} ${r.type}`).sort()).toEqual(
        [
          "pr-12 lambda:function",
          "pr-12 s3",
          "pr-7 s3",
          "pr-9 dynamodb:table",
          "alice cloudfront:distribution",
          ...typical.map((type) => `alice ${type}`),
        ].sort(),
      );
    });
  });
});

describe("the demo estate over the SDK", () => {
  it("answers GetParameter /sst/bootstrap in each account and region", async () => {
    await withSandbox(demoSeed(), async (sandbox) => {
      for (const [account, region] of [
        [DEMO_DEV, "us-east-1"],
        [DEMO_DEV, "eu-west-1"],
        [DEMO_PROD, "us-east-1"],
      ] as const) {
        const ssm = new SSMClient(clientConfig(sandbox, region, `sandbox-${account}`));
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: "/sst/bootstrap" }));
        expect(JSON.parse(Parameter?.Value ?? "{}")).toMatchObject({
          version: "v2",
          state: stateBucketName(account, region),
        });
      }
    });
  });

  it("lists the app/ keys of the state buckets through ListObjectsV2", async () => {
    await withSandbox(demoSeed(), async (sandbox) => {
      const s3 = new S3Client({
        ...clientConfig(sandbox, "us-east-1", `sandbox-${DEMO_PROD}`),
        forcePathStyle: true,
      });
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: stateBucketName(DEMO_PROD, "us-east-1"), Prefix: "app/" }),
      );
      expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([
        "app/api/load-test.json",
        "app/api/production.json",
        "app/data-pipeline/production.json",
        "app/shop/production.json",
      ]);
      const dev = new S3Client({
        ...clientConfig(sandbox, "us-east-1", `sandbox-${DEMO_DEV}`),
        forcePathStyle: true,
      });
      const apps = await dev.send(
        new ListObjectsV2Command({
          Bucket: stateBucketName(DEMO_DEV, "us-east-1"),
          Prefix: "app/",
          Delimiter: "/",
        }),
      );
      expect(apps.CommonPrefixes?.map((p) => p.Prefix)).toEqual([
        "app/api/",
        "app/data-pipeline/",
        "app/shop/",
      ]);
    });
  });
});
