import { PutObjectCommand } from "@aws-sdk/client-s3";
import { demoSeed, type Sandbox, type Seed } from "@stagekeeper/sandbox";
import { describe, expect, it } from "vitest";
import { s3Client } from "../src/aws/clients.js";
import { takeInventory } from "../src/inventory/index.js";
import { decide } from "../src/plan/index.js";
import type { StageFacts } from "../src/stage/facts.js";
import { stageId } from "../src/stage/key.js";
import { DEMO_DEV, demoConfig, sandboxControl, surveyAt, withEstate } from "./survey-fixtures.js";

type SeedStage = Seed["stages"][number];
const SECOND = 1000;
const HOUR = 3600 * SECOND;

/** The newest update record's time as docs/sandbox.md derives the records from a seed stage. */
function expectedLastDeploy(stage: SeedStage): Date {
  if (stage.updates?.length) {
    const newest = [...stage.updates].sort((a, b) => b.timeStarted.localeCompare(a.timeStarted))[0];
    return new Date(newest?.timeCompleted ?? newest?.timeStarted ?? "");
  }
  const completed = Date.parse(stage.lastDeployedAt ?? stage.createdAt) + 90 * SECOND;
  return new Date(stage.live ? completed : completed + HOUR + 90 * SECOND);
}

/** Resources the sandbox's model holds with the stage's tags, wherever their Tagging endpoint is. */
function taggedInModel(sandbox: Sandbox, key: { account: string; app: string; stage: string }): number {
  let n = 0;
  for (const resource of sandbox.estate.accountResources(key.account).values())
    if (resource.tags["sst:app"] === key.app && resource.tags["sst:stage"] === key.stage) n++;
  return n;
}

const config = demoConfig({ owners: { alice: "U0ALICE", bob: "U0BOB", dave: "U0DAVE", erin: "U0ERIN" } });

describe("inventory of the demo estate, over HTTP", () => {
  it("finds every stage with its facts as the state and tags say", async () => {
    const seed = demoSeed();
    await withEstate(seed, async (sandbox) => {
      const survey = await surveyAt(config, sandbox);
      expect(survey.failures).toEqual([]);
      const byId = new Map<string, StageFacts>(survey.facts.map((f) => [stageId(f), f]));
      expect([...byId.keys()].sort()).toEqual(seed.stages.map((s) => stageId(s)).sort());
      for (const stage of seed.stages) {
        const facts = byId.get(stageId(stage));
        const live = stage.live;
        expect(facts, stageId(stage)).toMatchObject({
          live,
          protect: !live || stage.protect === null ? "unknown" : stage.protect,
          ...(live ? { createdAt: new Date(stage.createdAt) } : {}),
          lastDeployedAt: expectedLastDeploy(stage),
          resourceCount: live
            ? Array.isArray(stage.resources)
              ? stage.resources.length
              : stage.resources
            : 0,
          taggedResources: taggedInModel(sandbox, stage),
        });
        // An empty checkpoint (removed stage) has no Stack resource to date the creation.
        if (!live) expect(facts?.createdAt).toBeUndefined();
        expect(facts?.lock !== undefined, `${stageId(stage)} lock`).toBe(stage.lock !== undefined);
        if (stage.lock) expect(facts?.lock?.createdAt).toEqual(new Date(stage.lock.created));
      }
      const facts = (app: string, stage: string) =>
        survey.facts.filter((f) => f.app === app && f.stage === stage);
      // The three protection states, and a stale lock next to a fresh one.
      expect(facts("shop", "production")[0]?.protect).toBe(true);
      expect(facts("shop", "pr-33")[0]?.protect).toBe("unknown");
      expect(facts("data-pipeline", "staging")[0]?.protect).toBe(false);
      expect(facts("api", "pr-105")[0]?.lock?.command).toBe("deploy");
      // The same stage name in two accounts is two stages.
      expect(
        facts("api", "load-test")
          .map((f) => f.account)
          .sort(),
      ).toEqual([DEMO_DEV, "222222222222"]);
    });
  });

  it("reads gzip states, and reports malformed keys and files without making stages of them", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const gzipped = [...sandbox.estate.buckets.values()]
        .flatMap((b) => [...b.objects.values()])
        .filter((o) => o.key.startsWith("app/data-pipeline/") && o.body[0] === 0x1f && o.body[1] === 0x8b);
      expect(gzipped.length).toBeGreaterThanOrEqual(5);
      const survey = await surveyAt(config, sandbox);
      const pipeline = survey.facts.filter((f) => f.app === "data-pipeline" && f.live);
      expect(pipeline.every((f) => f.resourceCount > 0 && f.createdAt !== undefined)).toBe(true);
      expect(survey.malformed.map((m) => [m.location.replace(/^s3:\/\/[^/]+\//, ""), m.region])).toEqual(
        expect.arrayContaining([
          ["app/shop/bad$name.json", "us-east-1"],
          ["app/api/pr-77.json", "us-east-1"],
        ]),
      );
      expect(survey.malformed.find((m) => m.location.endsWith("bad$name.json"))?.problem).toMatch(
        /stage name/,
      );
      expect(survey.malformed.find((m) => m.location.endsWith("pr-77.json"))?.problem).toMatch(/JSON/);
      expect(
        survey.facts.some((f) => f.stage === "bad$name" || (f.app === "api" && f.stage === "pr-77")),
      ).toBe(false);
      const plan = decide({ ...survey, config, now: sandbox.clock.now() });
      expect(
        plan.stages.some((s) => s.stage === "bad$name" || (s.app === "api" && s.stage === "pr-77")),
      ).toBe(false);
    });
  });

  it("finds orphans: tagged resources without state, and a removed stage's retained resources", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const survey = await surveyAt(config, sandbox);
      expect(survey.orphans).toEqual(
        expect.arrayContaining([
          { account: DEMO_DEV, region: "us-east-1", app: "shop", stage: "pr-31", taggedResources: 3 },
          { account: DEMO_DEV, region: "eu-west-1", app: "api", stage: "gina", taggedResources: 2 },
        ]),
      );
      expect(survey.orphans).toHaveLength(2);
      const removed = survey.facts.find((f) => f.app === "data-pipeline" && f.stage === "pr-8");
      expect(removed).toMatchObject({ live: false, resourceCount: 0, lastCommand: "remove" });
      expect(removed?.taggedResources).toBeGreaterThan(0);
      const plan = decide({ ...survey, config, now: sandbox.clock.now() });
      const decision = (app: string, stage: string) =>
        plan.stages.find((s) => s.app === app && s.stage === stage)?.decision;
      expect([decision("shop", "pr-31"), decision("api", "gina"), decision("data-pipeline", "pr-8")]).toEqual(
        ["orphaned", "orphaned", "orphaned"],
      );
    });
  });

  it("attributes a global CloudFront distribution, listed only in us-east-1, to its stage in eu-west-1", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const cdn = [...sandbox.estate.accountResources(DEMO_DEV).values()].find(
        (r) =>
          r.tags["sst:stage"] === "dave" && r.tags["sst:app"] === "shop" && r.type.startsWith("cloudfront"),
      );
      expect(cdn?.region).toBe("us-east-1");
      const survey = await surveyAt(config, sandbox);
      const dave = survey.facts.find((f) => f.app === "shop" && f.stage === "dave");
      expect(dave?.region).toBe("eu-west-1");
      expect(dave?.taggedResources).toBe(
        taggedInModel(sandbox, { account: DEMO_DEV, app: "shop", stage: "dave" }),
      );
      expect(survey.orphans.some((o) => o.stage === "dave")).toBe(false);
    });
  });
});

describe("inventory fails closed", () => {
  const dueStages = (survey: Awaited<ReturnType<typeof surveyAt>>, sandbox: Sandbox) =>
    decide({ ...survey, config, now: sandbox.clock.now() }).stages.filter(
      (s) => s.decision === "remove" || s.decision === "expiring",
    );

  it("has stages due for removal when every source answers (so the cases below prove something)", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      expect((await dueStages(await surveyAt(config, sandbox), sandbox)).length).toBeGreaterThan(5);
    });
  });

  // 5xx errors, with no count: the SDK retries them (3 attempts), and every attempt fails.
  const cases = [
    { name: "the bootstrap parameter", rule: { service: "ssm", kind: "error" }, source: "bootstrap" },
    {
      name: "the state listing",
      rule: { service: "s3", operation: "ListObjectsV2", kind: "error" },
      source: "state",
    },
    {
      name: "the state files",
      rule: { service: "s3", operation: "GetObject", kind: "error" },
      source: "state",
    },
    { name: "the Tagging API", rule: { service: "tagging", kind: "error" }, source: "tagging" },
  ] as const;

  for (const { name, rule, source } of cases) {
    it(`reports a failure of ${name} per account and region, and nothing there is removed or expiring`, async () => {
      await withEstate(demoSeed(), async (sandbox) => {
        await sandboxControl.fault(sandbox, rule);
        const survey = await surveyAt(config, sandbox);
        const failed = new Set(
          survey.failures.filter((f) => f.source === source).map((f) => `${f.account}/${f.region}`),
        );
        expect([...failed].sort()).toEqual([
          `${DEMO_DEV}/eu-west-1`,
          `${DEMO_DEV}/us-east-1`,
          "222222222222/us-east-1",
        ]);
        expect(dueStages(survey, sandbox)).toEqual([]);
        if (source === "tagging") {
          // The state was read: what would have been removed is unknown, and says why.
          const plan = decide({ ...survey, config, now: sandbox.clock.now() });
          const unknown = plan.stages.filter((s) => s.decision === "unknown");
          expect(unknown.length).toBeGreaterThan(5);
          expect(unknown.every((s) => /tagging/.test(s.reason))).toBe(true);
        }
      });
    });
  }
});

describe("malformed state files", () => {
  it("reports JSON that is not a checkpoint, and broken gzip, as malformed: never a stage, never a failure", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const home = [...sandbox.estate.stages.values()].find(
        (s) => s.account === DEMO_DEV && s.region === "us-east-1",
      );
      const s3 = s3Client({ region: "us-east-1" });
      const put = (Key: string, Body: string | Uint8Array) =>
        s3.send(new PutObjectCommand({ Bucket: home?.bucket, Key, Body }));
      await put("app/shop/not-state.json", JSON.stringify({ hello: "world" }));
      await put("app/shop/bad-gzip.json", new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
      const survey = await surveyAt(config, sandbox);
      expect(survey.failures).toEqual([]);
      const problems = Object.fromEntries(
        survey.malformed.map((m) => [m.location.split("/").pop(), m.problem]),
      );
      expect(problems["not-state.json"]).toMatch(/not a Pulumi checkpoint/);
      expect(problems["bad-gzip.json"]).toBeDefined();
      expect(survey.facts.some((f) => f.stage === "not-state" || f.stage === "bad-gzip")).toBe(false);
    });
  });
});

describe("the Tagging walk under its quota", () => {
  it("stays within the rate limit even when calls arrive late: no throttled call, so no extra call", async () => {
    await withEstate(demoSeed(), async (sandbox) => {
      const perSecond = 2;
      await sandboxControl.rateLimit(sandbox, { service: "tagging", operation: "GetResources", perSecond });
      // Every other call is held up on its way: evenly spaced starts would then arrive bunched.
      await sandboxControl.fault(sandbox, {
        service: "tagging",
        kind: "latency",
        latencyMs: 300,
        fraction: 0.5,
      });
      await sandboxControl.resetRequests(sandbox);
      const targets = [{ account: DEMO_DEV, regions: ["us-east-1", "eu-west-1"] }];
      const started = Date.now();
      const inventory = await takeInventory(targets, {
        concurrency: 8,
        now: sandbox.clock.now(),
        taggingPerSecond: perSecond,
      });
      expect(inventory.failures).toEqual([]);
      const pages = (region: string) => {
        let n = 0;
        for (const r of sandbox.estate.accountResources(DEMO_DEV).values())
          if (r.region === region && "sst:app" in r.tags && "sst:stage" in r.tags) n++;
        return Math.max(1, Math.ceil(n / 100));
      };
      const { counts } = await sandboxControl.requests(sandbox);
      expect(counts["tagging.GetResources"]).toBe(pages("us-east-1") + pages("eu-west-1"));
      expect(pages("us-east-1")).toBeGreaterThanOrEqual(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(((pages("us-east-1") - 1) / perSecond) * 1000);
    });
  });
});
