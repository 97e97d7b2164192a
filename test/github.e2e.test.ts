import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { sqsClient } from "../packages/core/src/aws/clients.js";
import { readStageNow } from "../packages/core/src/inventory/stage.js";
import { drainQueue } from "../packages/core/src/removal/queue.js";
import { queueUrl } from "../packages/core/src/removal/request.js";
import {
  DEV,
  dev,
  type GitHubWorld,
  githubConfig,
  QUEUE,
  SECRET,
  withGitHub,
  workerDispatch,
} from "../packages/core/test/github-fixtures.js";
import { handler } from "../packages/functions/src/github.js";

interface Build {
  id: string;
  buildComplete: boolean;
  environment: Record<string, string>;
  outcome: { outcome: string } | null;
}

async function builds(world: GitHubWorld): Promise<Build[]> {
  return (await (await fetch(`${world.sandbox.url}/_sandbox/builds`)).json()) as Build[];
}

async function drain(world: GitHubWorld) {
  const sqs = sqsClient({ region: "us-east-1" });
  return drainQueue(sqs, await queueUrl(sqs, QUEUE), await workerDispatch(world), { waitSeconds: 0 });
}

/** Lets the sandbox's builds run to the end on its clock. */
async function finishBuilds(world: GitHubWorld): Promise<Build[]> {
  world.sandbox.clock.advance("PT1M");
  for (let i = 0; i < 40; i++) {
    const all = await builds(world);
    if (all.every((b) => b.buildComplete)) return all;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("builds did not finish");
}

const live = async (stage: string) =>
  (await readStageNow({ account: DEV, regions: ["us-east-1"] }, dev(stage)))?.live;

describe("GitHub → gate → queue → worker → CodeBuild, over HTTP against the sandbox", () => {
  it("removes a merged PR's stage and never one its app's sst.config.ts protects", async () => {
    await withGitHub({}, async (world) => {
      const merged = await world.deliver({
        event: "pull_request",
        action: "closed",
        repository: "acme/shop",
        number: 12,
        merged: true,
      });
      const protectedByApp = await world.deliver({
        event: "pull_request",
        action: "closed",
        repository: "acme/shop",
        number: 9,
      });
      expect([merged.status, protectedByApp.status]).toEqual([200, 200]);
      expect(merged.elapsedMs).toBeLessThan(10_000);

      // The removals wait on the queue, each the claim in its stage's ledger record.
      const queued = (await world.queued()).map(
        (m) => JSON.parse(m.body) as { stage: string; removalId: string },
      );
      expect(queued.map((q) => q.stage).sort()).toEqual(["pr-12", "pr-9"]);
      for (const request of queued) {
        const record = await world.record(dev(request.stage));
        expect(record).toMatchObject({ claim: request.removalId, status: "removing" });
        expect(record?.attempts[0]?.trigger).toMatchObject({
          surface: "github",
          by: `acme/shop#${request.stage.slice(3)}`,
        });
      }

      const drained = await drain(world);
      expect(drained).toMatchObject({ received: 2, handled: 2, failed: [] });
      const done = await finishBuilds(world);
      const outcome = (stage: string) =>
        done.find((b) => b.environment.SST_STAGE === stage)?.outcome?.outcome;
      expect(outcome("pr-12")).toBe("removed");
      expect(outcome("pr-9")).toBe("protected");
      expect(await live("pr-12")).toBe(false);
      expect(await live("pr-9")).toBe(true);
      // A redelivery changes nothing: the delivery was seen.
      const again = await world.deliver({
        event: "pull_request",
        action: "closed",
        repository: "acme/shop",
        number: 12,
        merged: true,
        delivery: merged.delivery,
      });
      expect(again.json?.result).toBe("duplicate");
      expect(await builds(world)).toHaveLength(2);
    });
  });

  it("with a grace, the delayed re-check on the removal queue starts the removal once the grace is over", async () => {
    await withGitHub({ config: githubConfig({ github: { graceMinutes: 1 } }) }, async (world) => {
      const closed = await world.deliver({
        event: "pull_request",
        action: "closed",
        repository: "acme/shop",
        number: 12,
      });
      expect(closed.json?.result).toBe("pending");
      expect(await drain(world)).toMatchObject({ received: 0 });
      world.sandbox.clock.advance("PT61S");
      // The re-check claims and queues the removal; the next pass starts the build.
      expect(await drain(world)).toMatchObject({ received: 2, handled: 2 });
      const [build] = await builds(world);
      expect(build?.environment).toMatchObject({ SST_STAGE: "pr-12", STAGEKEEPER_APP: "shop" });
    });
  });

  it("the Lambda handler passes the Function URL event's raw body (base64 or not) to core", async () => {
    await withGitHub({}, async (world) => {
      const saved = [
        process.env.STAGEKEEPER_CONFIG,
        process.env.GITHUB_WEBHOOK_SECRET,
        process.env.SLACK_BOT_TOKEN,
      ];
      process.env.STAGEKEEPER_CONFIG = JSON.stringify(world.config);
      process.env.GITHUB_WEBHOOK_SECRET = SECRET;
      process.env.SLACK_BOT_TOKEN = "xoxb-sandbox";
      try {
        // The bytes GitHub sends, captured from a delivery the endpoint refused (forged signature).
        await world.deliver({
          event: "pull_request",
          action: "closed",
          repository: "acme/shop",
          number: 12,
          signature: "sha256=0",
        });
        const captured = world.last();
        if (!captured) throw new Error("nothing captured");
        const headers = Object.fromEntries(Object.entries(captured.headers).map(([k, v]) => [k, String(v)]));
        headers["x-hub-signature-256"] = await sign(SECRET, captured.body.toString("utf8"));
        const forged = await handler({
          headers: { ...headers, "x-hub-signature-256": "sha256=0" },
          body: captured.body.toString("utf8"),
        });
        expect(forged.statusCode).toBe(401);
        const reply = await handler({
          headers,
          body: captured.body.toString("base64"),
          isBase64Encoded: true,
        });
        expect(reply.statusCode).toBe(200);
        expect(JSON.parse(reply.body)).toMatchObject({ result: "removal-queued", pr: "acme/shop#12" });
        expect(await world.queued()).toHaveLength(1);
      } finally {
        const names = ["STAGEKEEPER_CONFIG", "GITHUB_WEBHOOK_SECRET", "SLACK_BOT_TOKEN"] as const;
        names.forEach((name, i) => {
          const value = saved[i];
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        });
      }
    });
  });
});
