import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { sqsClient } from "../src/aws/clients.js";
import {
  duePendingRemovals,
  handlePendingRemoval,
  pendingKey,
  pendingSchema,
} from "../src/github/pending.js";
import { queueUrl } from "../src/removal/request.js";
import { dev, type GitHubWorld, githubConfig, QUEUE, withGitHub } from "./github-fixtures.js";

const GRACE = githubConfig({ github: { graceMinutes: 30 } });
const close = (world: GitHubWorld, extra: Record<string, unknown> = {}) =>
  world.deliver({
    event: "pull_request",
    action: "closed",
    repository: "acme/shop",
    number: 12,
    merged: true,
    ...extra,
  });
const reopen = (world: GitHubWorld) =>
  world.deliver({ event: "pull_request", action: "reopened", repository: "acme/shop", number: 12 });
const pending = async (world: GitHubWorld) =>
  (await world.store.get(pendingKey({ repository: "acme/shop", number: 12 }), pendingSchema))?.value;

/** The worker's side: the messages visible on the removal queue now, taken off it. */
async function receive(): Promise<unknown[]> {
  const sqs = sqsClient({ region: "us-east-1" });
  const url = await queueUrl(sqs, QUEUE);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
  );
  for (const m of Messages)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  return Messages.map((m) => JSON.parse(m.Body ?? "null"));
}

describe("GitHub webhook with a grace period", () => {
  it("records a pending removal with a delayed re-check instead of removing at once", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      const now = world.sandbox.clock.now();
      const delivered = await close(world);
      expect(delivered.json).toMatchObject({ result: "pending" });
      const dueAt = new Date(String(delivered.json?.dueAt));
      expect(Math.round((dueAt.getTime() - now.getTime()) / 60_000)).toBe(30);
      expect(await pending(world)).toMatchObject({
        status: "pending",
        stage: "pr-12",
        merged: true,
        by: "octocat",
      });
      // No claim yet; one delayed message (SQS caps a delay at 15 minutes).
      expect((await world.record(dev("pr-12")))?.claim).toBeUndefined();
      const [message, ...rest] = await world.queued();
      expect(rest).toEqual([]);
      expect(JSON.parse(message?.body ?? "")).toEqual({
        kind: "github-pending",
        repository: "acme/shop",
        number: 12,
        delivery: delivered.delivery,
      });
      expect(message?.visible).toBe(false);
      expect(Date.parse(message?.visibleAt ?? "") - now.getTime()).toBeGreaterThanOrEqual(900_000 - 1000);
      expect((await world.slack())[0]?.text).toMatch(
        /`pr-12` of acme\/shop#12 will be removed at .*Reopening it/,
      );
    });
  });

  it("cancels the pending removal when the PR is reopened within the grace", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      await close(world);
      const reopened = await reopen(world);
      expect(reopened.json).toMatchObject({ result: "cancelled" });
      expect(await pending(world)).toMatchObject({ status: "cancelled", note: "reopened by octocat" });
      world.sandbox.clock.advance("PT31M");
      expect(await duePendingRemovals(world.deps())).toEqual([]);
      const [message] = await receive();
      expect(await handlePendingRemoval(world.deps(), message)).toMatchObject({ action: "stale" });
      expect((await world.record(dev("pr-12")))?.claim).toBeUndefined();
      expect(await world.queued()).toEqual([]);
      expect((await world.slack()).map((m) => m.text)).toEqual([
        expect.stringMatching(/will be removed/),
        expect.stringMatching(/`pr-12` stays: acme\/shop#12 was reopened/),
      ]);
    });
  });

  it("removes through the gate when the delayed re-check finds the grace over", async () => {
    await withGitHub({ config: githubConfig({ github: { graceMinutes: 1 } }) }, async (world) => {
      await close(world);
      expect(await receive()).toEqual([]);
      world.sandbox.clock.advance("PT61S");
      const [message] = await receive();
      const handled = await handlePendingRemoval(world.deps(), message);
      expect(handled).toMatchObject({ action: "removed", pr: "acme/shop#12" });
      const record = await world.record(dev("pr-12"));
      expect(record?.claim).toBeDefined();
      expect(record?.attempts[0]?.trigger.detail).toMatch(
        /merged; by octocat; delivery .*; after a 1-minute grace/,
      );
      expect((await receive()).map((m) => (m as { stage?: string }).stage)).toEqual(["pr-12"]);
      expect(await pending(world)).toMatchObject({ status: "started" });
      // The daily run finds nothing more to do, and the same message again does nothing.
      expect(await duePendingRemovals(world.deps())).toEqual([]);
      expect(await handlePendingRemoval(world.deps(), message)).toMatchObject({ action: "stale" });
    });
  });

  it("re-sends a re-check that arrives early, and the daily run removes what is due exactly once", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      await close(world);
      world.sandbox.clock.advance("PT15M");
      const [early] = await receive();
      expect(await handlePendingRemoval(world.deps(), early)).toMatchObject({ action: "not-due" });
      expect(await world.queued()).toHaveLength(1);
      world.sandbox.clock.advance("PT16M");
      const [first, second] = await Promise.all([
        duePendingRemovals(world.deps()),
        duePendingRemovals(world.deps()),
      ]);
      const actions = [...(first ?? []), ...(second ?? [])].map((r) => r.action).sort();
      expect(actions.filter((a) => a === "removed")).toHaveLength(1);
      const claims = (await world.audit()).filter((e) => e.action === "claimed");
      expect(claims).toHaveLength(1);
    });
  });

  it("keeps the stage when the API says the PR is open again (a lost reopened webhook)", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      await close(world);
      await world.control("/_sandbox/github/pulls", { repository: "acme/shop", number: 12, state: "open" });
      world.sandbox.clock.advance("PT31M");
      const [result] = await duePendingRemovals(world.deps());
      expect(result).toMatchObject({ action: "cancelled" });
      expect((await world.record(dev("pr-12")))?.claim).toBeUndefined();
    });
  });

  it("drops the re-check of an earlier close once the PR was reopened and closed again", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      const first = await close(world);
      await reopen(world);
      const second = await close(world);
      expect(second.json?.result).toBe("pending");
      expect(second.delivery).not.toBe(first.delivery);
      world.sandbox.clock.advance("PT31M");
      const messages = (await receive()) as { delivery: string }[];
      const old = messages.find((m) => m.delivery === first.delivery);
      expect(await handlePendingRemoval(world.deps(), old)).toMatchObject({ action: "stale" });
      const current = messages.find((m) => m.delivery === second.delivery);
      expect(await handlePendingRemoval(world.deps(), current)).toMatchObject({ action: "removed" });
    });
  });

  it("refuses at once a stage that is not a removable PR stage, without a pending removal", async () => {
    const config = githubConfig({
      github: { graceMinutes: 30 },
      kinds: [
        { name: "permanent", match: "^(production|pr-1)$", removable: false },
        { name: "pr", match: "^pr-(\\d+)$", expire: { onPrClosed: true }, removable: true },
      ],
    });
    await withGitHub({ config }, async (world) => {
      const delivered = await close(world, { number: 1 });
      expect(delivered.json?.result).toBe("refused");
      expect(await world.store.list("github/pending/")).toEqual([]);
    });
  });

  it("drops a malformed re-check message", async () => {
    await withGitHub({ config: GRACE }, async (world) => {
      expect(
        await handlePendingRemoval(world.deps(), { kind: "github-pending", repository: "../x" }),
      ).toMatchObject({
        action: "invalid",
      });
    });
  });
});
