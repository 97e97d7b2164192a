import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { saveRun } from "../src/ledger/runs.js";
import { stageId } from "../src/stage/key.js";
import { DEV, dev, githubConfig, githubSeed, withGitHub } from "./github-fixtures.js";

const closed = (number: number, merged: boolean, repository = "acme/shop") => ({
  event: "pull_request",
  action: "closed",
  repository,
  number,
  merged,
  sender: "alice",
});

describe("GitHub webhook: signatures", () => {
  it("refuses a forged, a missing and an uppercase signature, and accepts the same bytes signed correctly", async () => {
    await withGitHub({}, async (world) => {
      const forged = await world.deliver({ ...closed(12, true), signature: `sha256=${"0".repeat(64)}` });
      expect(forged.status).toBe(401);
      expect(forged.json?.reason).toMatch(/does not match/);
      const missing = await world.deliver({ ...closed(12, true), signature: null });
      expect(missing.status).toBe(401);
      expect(missing.json?.reason).toMatch(/missing/);
      const wrongSecret = await world.deliver({ ...closed(12, true), secret: "not the secret" });
      expect(wrongSecret.status).toBe(401);

      // The exact bytes the endpoint received, signed the way GitHub signs them.
      const captured = world.last();
      if (!captured) throw new Error("nothing captured");
      const body = captured.body.toString("utf8");
      const signature = await sign(world.deps().secret, body);
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      const headers = {
        ...captured.headers,
        "x-hub-signature-256": signature.toUpperCase().replace("SHA256=", "sha256="),
      };
      const upper = await world.handle({ headers, rawBody: captured.body });
      expect(upper.status).toBe(401);
      const reserialised = await world.handle({
        headers: { ...captured.headers, "x-hub-signature-256": signature },
        rawBody: JSON.stringify(JSON.parse(body), null, 2),
      });
      expect(reserialised.status).toBe(401);
      // Nothing was done by any of them: no claim, no queue message, no delivery taken, no audit entry.
      expect(await world.queued()).toEqual([]);
      expect(await world.store.list("github/")).toEqual([]);
      expect(await world.audit()).toEqual([]);

      const good = await world.handle({
        headers: { ...captured.headers, "x-hub-signature-256": signature },
        rawBody: captured.body,
      });
      expect(good.status).toBe(200);
      expect(good.body.result).toBe("removal-queued");
    });
  });

  it("refuses everything when no secret is configured", async () => {
    await withGitHub({}, async (world) => {
      await world.deliver(closed(12, true));
      const captured = world.last();
      if (!captured) throw new Error("nothing captured");
      const reply = await (await import("../src/github/webhook.js")).handleGitHubWebhook(
        { ...world.deps(), secret: "" },
        { headers: captured.headers, rawBody: captured.body },
      );
      expect(reply.status).toBe(401);
      expect(reply.body.reason).toMatch(/no webhook secret/);
    });
  });

  it("answers ping and ignores other events and actions", async () => {
    await withGitHub({}, async (world) => {
      const ping = await world.deliver({ event: "ping", repository: "acme/shop" });
      expect(ping).toMatchObject({ status: 200, json: { result: "pong" } });
      const opened = await world.deliver({
        event: "pull_request",
        action: "opened",
        repository: "acme/shop",
        number: 40,
      });
      expect(opened).toMatchObject({ status: 200, json: { result: "ignored" } });
      expect(await world.store.list("github/")).toEqual([]);
    });
  });
});

describe("GitHub webhook: pull request closed", () => {
  it("queues the removal of a merged PR's stage through the gate, with the PR in the audit log and a Slack note", async () => {
    await withGitHub({}, async (world) => {
      // The last daily run's snapshot: the note and the audit entry take the stage's cost from it.
      const cost = {
        yesterday: "1.2345",
        last7Days: "8.6415",
        monthToDate: "23.4555",
        forecast: "37.035",
        estimated: false,
      };
      await saveRun(world.store, {
        at: "2026-11-20T08:00:00.000Z",
        dryRun: true,
        liveStages: 6,
        plan: { stages: [{ ...dev("pr-12"), kind: "pr", decision: "keep", reason: "its PR is open", cost }] },
        actions: {},
      });
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.status).toBe(200);
      expect(delivered.elapsedMs).toBeLessThan(10_000);
      const reply = delivered.json;
      expect(reply?.result).toBe("removal-queued");
      const byStage = Object.fromEntries((reply?.stages ?? []).map((s) => [s.stage, s]));
      // shop's stage lives in DEV us-east-1; the other configured places are looked at and have nothing.
      expect(byStage[stageId(dev("pr-12"))]?.outcome).toBe("queued");
      expect(
        Object.values(byStage)
          .filter((s) => s.outcome === "refused")
          .map((s) => s.reason),
      ).toEqual([expect.stringMatching(/no SST state/), expect.stringMatching(/no SST state/)]);
      // The api app's pr-12 belongs to another repository: untouched.
      expect(Object.keys(byStage).some((id) => id.includes("/api/"))).toBe(false);

      const record = await world.record(dev("pr-12"));
      const attempt = record?.attempts[0];
      expect(record?.claim).toBe(attempt?.removalId);
      expect(attempt?.trigger).toMatchObject({ surface: "github", by: "acme/shop#12" });
      expect(attempt?.trigger.detail).toMatch(/^merged; by alice; delivery /);
      const messages = await world.queued();
      expect(messages.map((m) => JSON.parse(m.body))).toEqual([
        { removalId: attempt?.removalId, account: DEV, region: "us-east-1", app: "shop", stage: "pr-12" },
      ]);
      const claimed = (await world.audit()).filter((e) => e.action === "claimed");
      expect(claimed).toHaveLength(1);
      expect(claimed[0]?.trigger.by).toBe("acme/shop#12");
      const notes = await world.slack();
      expect(notes).toHaveLength(1);
      expect(notes[0]?.text).toMatch(
        /Removing `shop\/pr-12` \(111111111111 us-east-1\): acme\/shop#12 was merged/,
      );
      expect(notes[0]?.text).toMatch(/It cost \$8\.64 in the last 7 days/);
      expect(claimed[0]?.cost?.last7Days).toBe("8.6415");
      // The GitHub side agrees: the PR is closed and merged.
      const pull = (await (await fetch(`${world.sandbox.url}/repos/acme/shop/pulls/12`)).json()) as Record<
        string,
        unknown
      >;
      expect(pull).toMatchObject({ state: "closed", merged: true });
    });
  });

  it("removes a PR closed without merging, and says so", async () => {
    await withGitHub({}, async (world) => {
      const delivered = await world.deliver(closed(12, false));
      expect(delivered.json?.result).toBe("removal-queued");
      const record = await world.record(dev("pr-12"));
      expect(record?.attempts[0]?.trigger.detail).toMatch(/^closed without merging/);
      expect((await world.slack())[0]?.text).toMatch(/was closed without merging/);
    });
  });

  it("looks in its own account and region when no accounts are configured", async () => {
    await withGitHub({ config: githubConfig({ accounts: [] }) }, async (world) => {
      const first = await world.deliver(closed(12, true));
      expect(first.json?.stages?.map((s) => [s.stage, s.outcome])).toEqual([
        [stageId(dev("pr-12")), "queued"],
      ]);
      const second = await world.deliver(closed(9, true));
      expect(second.json?.stages?.map((s) => [s.stage, s.outcome])).toEqual([
        [stageId(dev("pr-9")), "queued"],
      ]);
    });
  });

  it("accepts the form-encoded content type", async () => {
    await withGitHub({}, async (world) => {
      const delivered = await world.deliver({ ...closed(12, true), contentType: "form" });
      expect(delivered.json?.result).toBe("removal-queued");
    });
  });

  it("handles a redelivered delivery once: the second answers duplicate and does nothing", async () => {
    await withGitHub({}, async (world) => {
      const first = await world.deliver(closed(12, true));
      const again = await world.deliver({ ...closed(12, true), delivery: first.delivery });
      expect(again).toMatchObject({ status: 200, json: { result: "duplicate" } });
      expect(await world.queued()).toHaveLength(1);
      expect((await world.audit()).filter((e) => e.stage === "pr-12")).toHaveLength(3);
      expect(await world.slack()).toHaveLength(1);
      // A new delivery for the same close reaches the gate, which refuses: the claim is already taken.
      const other = await world.deliver(closed(12, true));
      expect(other.json?.result).toBe("refused");
      expect(other.json?.reason).toMatch(/already being removed/);
      expect(await world.queued()).toHaveLength(1);
    });
  });

  it("ignores a repository no app is deployed from, and writes nothing", async () => {
    await withGitHub({}, async (world) => {
      const delivered = await world.deliver(closed(3, true, "acme/unknown"));
      expect(delivered.status).toBe(200);
      expect(delivered.json).toMatchObject({ result: "ignored" });
      expect(delivered.json?.reason).toMatch(
        /acme\/unknown is not the repository of any app.*apps\[\]\.repository/,
      );
      expect(await world.store.list("")).toEqual([]);
      expect(await world.queued()).toEqual([]);
    });
  });

  it("refuses a PR whose stage does not exist (200, audited, nothing queued)", async () => {
    await withGitHub({}, async (world) => {
      const delivered = await world.deliver(closed(99, true));
      expect(delivered.status).toBe(200);
      expect(delivered.json?.result).toBe("refused");
      expect(
        delivered.json?.stages?.every((s) => s.outcome === "refused" && /no SST state/.test(s.reason)),
      ).toBe(true);
      expect((await world.audit()).map((e) => e.action)).toEqual(["refused", "refused", "refused"]);
      expect(await world.queued()).toEqual([]);
    });
  });

  it("never removes a protected stage named like a PR stage", async () => {
    const config = githubConfig({
      kinds: [
        { name: "permanent", match: "^(production|staging|pr-1)$", removable: false },
        { name: "pr", match: "^pr-(\\d+)$", expire: { idleDays: 7, onPrClosed: true }, removable: true },
      ],
    });
    await withGitHub({ seed: githubSeed(), config }, async (world) => {
      const state = await world.deliver(closed(7, true));
      expect(state.json?.result).toBe("refused");
      expect(state.json?.reason).toMatch(/pr-7.*protect/);
      const permanent = await world.deliver(closed(1, true));
      expect(permanent.json?.result).toBe("refused");
      expect(permanent.json?.reason).toMatch(/pr-1 is a permanent stage/);
      expect(await world.queued()).toEqual([]);
      expect((await world.record(dev("pr-7")))?.claim).toBeUndefined();
      expect((await world.record(dev("pr-1")))?.claim).toBeUndefined();
      expect(await world.slack()).toEqual([]);
    });
  });

  it("leaves the stage to its kind's other rules when the kind does not expire on PR close", async () => {
    const config = githubConfig({
      kinds: [{ name: "pr", match: "^pr-(\\d+)$", expire: { idleDays: 7 }, removable: true }],
    });
    await withGitHub({ config }, async (world) => {
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.json).toMatchObject({ result: "ignored" });
      expect(delivered.json?.reason).toMatch(/onPrClosed/);
      expect(await world.queued()).toEqual([]);
    });
  });

  it("in dry run, says what would happen and changes nothing", async () => {
    await withGitHub({ config: githubConfig({ dryRun: true }) }, async (world) => {
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.json?.result).toBe("dry-run");
      expect(await world.queued()).toEqual([]);
      expect((await world.record(dev("pr-12")))?.claim).toBeUndefined();
      expect((await world.audit()).filter((e) => e.action === "would-remove")).toHaveLength(1);
    });
  });

  it("rejects a signed but malformed payload and a missing delivery id", async () => {
    await withGitHub({}, async (world) => {
      const deps = world.deps();
      const headers = {
        "x-github-event": "pull_request",
        "x-github-delivery": "d-1",
        "content-type": "application/json",
      };
      const body = JSON.stringify({
        action: "closed",
        number: 12,
        repository: { full_name: "acme/shop; rm -rf" },
      });
      const malformed = await world.handle({
        headers: { ...headers, "x-hub-signature-256": await sign(deps.secret, body) },
        rawBody: body,
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.reason).toMatch(/malformed/);
      await world.deliver(closed(12, true));
      const captured = world.last();
      if (!captured) throw new Error("nothing captured");
      const { "x-github-delivery": _delivery, ...without } = captured.headers;
      const noDelivery = await world.handle({ headers: without, rawBody: captured.body });
      expect(noDelivery.status).toBe(400);
      expect(await world.queued()).toHaveLength(1);
    });
  });

  it("answers well within GitHub's 10 seconds, and a failing Slack does not fail the delivery", async () => {
    await withGitHub({}, async (world) => {
      await world.control("/_sandbox/faults", { service: "slack", kind: "error" });
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.status).toBe(200);
      expect(delivered.json?.result).toBe("removal-queued");
      expect(String(delivered.json?.notes)).toMatch(/Slack note was not sent/);
      expect(delivered.elapsedMs).toBeLessThan(2_000);
    });
  });

  it("fails closed where it cannot act: nothing claimed without a queue, other accounts go ahead; a redelivery retries", async () => {
    const config = githubConfig({
      accounts: [
        { id: DEV, regions: ["us-east-1"] },
        { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/not-trusted", regions: ["us-east-1"] },
      ],
    });
    await withGitHub({ config }, async (world) => {
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.status).toBe(502);
      const outcomes = Object.fromEntries((delivered.json?.stages ?? []).map((s) => [s.stage, s.outcome]));
      expect(outcomes).toEqual({ "222222222222/*/shop/pr-12": "failed", [stageId(dev("pr-12"))]: "queued" });
      // The delivery is marked failed, so GitHub's "Redeliver" runs it again; the claim taken holds.
      const again = await world.deliver({ ...closed(12, true), delivery: delivered.delivery });
      expect(again.status).toBe(502);
      expect(again.json?.stages?.find((s) => s.stage === stageId(dev("pr-12")))?.reason).toMatch(
        /already being removed/,
      );
      expect(await world.queued()).toHaveLength(1);
    });
    const noQueue = githubConfig({ removal: { project: "stagekeeper-remove", queue: "no-such-queue" } });
    await withGitHub({ config: noQueue }, async (world) => {
      const delivered = await world.deliver(closed(12, true));
      expect(delivered.status).toBe(502);
      expect(delivered.json?.reason).toMatch(/queue cannot be reached.*nothing was claimed/);
      expect((await world.record(dev("pr-12")))?.claim).toBeUndefined();
      expect(await world.audit()).toEqual([]);
    });
  });
});
