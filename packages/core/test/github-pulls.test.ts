import { describe, expect, it } from "vitest";
import { githubApi } from "../src/github/api.js";
import { pullRequestStates } from "../src/github/pulls.js";
import { decide } from "../src/plan/decide.js";
import type { StageFacts } from "../src/stage/facts.js";
import { type StageKey, stageId } from "../src/stage/key.js";
import { DEV, dev, type GitHubWorld, PROD, withGitHub } from "./github-fixtures.js";

const requests = async (world: GitHubWorld) => {
  const answer = (await (await fetch(`${world.sandbox.url}/_sandbox/requests`)).json()) as {
    counts: Record<string, number>;
  };
  return answer.counts["github.pulls.get"] ?? 0;
};

describe("pull request states for the daily run (the fallback for lost webhooks)", () => {
  it("counts only a 200 with state closed as closed; 404 and 403 are reported and leave the idle rule in charge", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/github/pulls", {
        repository: "acme/shop",
        number: 12,
        state: "closed",
        merged: true,
      });
      await world.control("/_sandbox/github/pulls", { repository: "acme/shop", number: 14, answer: 403 });
      const api12: StageKey = { account: DEV, region: "eu-west-1", app: "api", stage: "pr-12" };
      const stages = [
        dev("pr-12"),
        api12,
        dev("pr-13"),
        dev("pr-14"),
        { account: PROD, region: "us-east-1", app: "shop", stage: "production" },
        dev("alice"),
        dev("pr-5", "billing"),
      ];
      const states = await pullRequestStates({ config: world.config }, stages);
      expect(states.prs.get(stageId(dev("pr-12")))).toEqual({
        state: "closed",
        closedAt: new Date(`${world.sandbox.clock.now().toISOString().slice(0, 19)}Z`),
      });
      expect(states.prs.get(stageId(api12))).toEqual({ state: "open" });
      expect(states.prs.has(stageId(dev("pr-13")))).toBe(false);
      expect(states.prs.has(stageId(dev("pr-14")))).toBe(false);
      expect(states.prs.size).toBe(2);
      expect(states.failures.map((f) => f.message).sort()).toEqual([
        expect.stringMatching(/^acme\/shop#13: GitHub answered 404 .*the idle rule decides for shop\/pr-13$/),
        expect.stringMatching(/^acme\/shop#14: GitHub answered 403 /),
      ]);
      expect(states.failures.every((f) => f.source === "github" && f.account === DEV)).toBe(true);
      // Not a pr stage, not a configured app: never asked about.
      expect(states.requests).toBe(4);
      expect(await requests(world)).toBe(4);
    });
  });

  it("asks once per pull request, whatever the number of stages that share it", async () => {
    await withGitHub({}, async (world) => {
      const stages = [
        dev("pr-12"),
        { ...dev("pr-12"), region: "eu-west-1" },
        { ...dev("pr-12"), account: PROD },
      ];
      const states = await pullRequestStates({ config: world.config }, stages);
      expect([...states.prs.values()]).toEqual([{ state: "open" }, { state: "open" }, { state: "open" }]);
      expect(await requests(world)).toBe(1);
    });
  });

  it("stops asking once GitHub's rate limit is spent, and says how to get more", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/github/rate-limit", { remaining: 0 });
      const stages = Array.from({ length: 20 }, (_, i) => dev(`pr-${i + 100}`));
      const states = await pullRequestStates({ config: world.config, concurrency: 2 }, stages);
      expect(states.prs.size).toBe(0);
      expect(states.requests).toBeLessThanOrEqual(2);
      expect(states.failures.at(-1)?.message).toMatch(
        /rate limit is spent; 1[89] pull requests were not checked .*GitHubToken/,
      );
    });
  });

  it("sends the token when one is configured (5,000 requests an hour instead of 60)", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/github/rate-limit", { remaining: 0 });
      const states = await pullRequestStates({ config: world.config, github: githubApi("ghp_sandbox") }, [
        dev("pr-12"),
      ]);
      expect(states.prs.get(stageId(dev("pr-12")))).toEqual({ state: "open" });
    });
  });

  it("treats a server error as unknown, never as closed", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/github/pulls", { repository: "acme/shop", number: 12, state: "closed" });
      await world.control("/_sandbox/faults", { service: "github", kind: "error" });
      const states = await pullRequestStates({ config: world.config }, [dev("pr-12")]);
      expect(states.prs.size).toBe(0);
      expect(states.failures[0]?.message).toMatch(/GitHub answered 500/);
    });
  });

  it("gives decide() what it needs: a closed PR expires its stage, an open one does not", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/github/pulls", { repository: "acme/shop", number: 12, state: "closed" });
      const now = world.sandbox.clock.now();
      const recent = new Date(now.getTime() - 86_400_000);
      const facts = (key: StageKey): StageFacts => ({
        ...key,
        live: true,
        createdAt: recent,
        lastDeployedAt: recent,
        protect: false,
        resourceCount: 8,
        resourceTypes: {},
        taggedResources: 8,
      });
      const api12: StageKey = { account: DEV, region: "eu-west-1", app: "api", stage: "pr-12" };
      const { prs, failures } = await pullRequestStates({ config: world.config }, [dev("pr-12"), api12]);
      const plan = decide({
        facts: [facts(dev("pr-12")), facts(api12)],
        orphans: [],
        costs: new Map(),
        failures,
        malformed: [],
        prs,
        config: world.config,
        now,
      });
      const byStage = new Map(plan.stages.map((s) => [stageId(s), s]));
      expect(byStage.get(stageId(dev("pr-12")))?.reason).toMatch(/pull request of pr-12 was closed/);
      expect(byStage.get(stageId(dev("pr-12")))?.decision).not.toBe("keep");
      expect(byStage.get(stageId(api12))?.decision).toBe("keep");
    });
  });
});
