import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.js";
import { decideStage, type StageContext } from "../src/policy/index.js";
import type { SourceFailure, StageFacts } from "../src/stage/facts.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2025-03-01T08:00:00Z");
const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR);

const config = parseConfig({ owners: { alice: "U0AAA" }, github: { graceMinutes: 60 } });

function facts(stage: string, extra: Partial<StageFacts> = {}): StageFacts {
  return {
    account: "111111111111",
    region: "us-east-1",
    app: "web",
    stage,
    live: true,
    createdAt: T0,
    lastDeployedAt: T0,
    protect: false,
    resourceCount: 12,
    resourceTypes: { "aws:s3/bucketV2:BucketV2": 1 },
    taggedResources: 12,
    ...extra,
  };
}

function decideAt(now: Date, stage: StageFacts, extra: Partial<StageContext> = {}) {
  return decideStage({ facts: stage, config, now, failures: [], ...extra });
}

describe("protection always wins", () => {
  it("_protect true is protected, whatever else holds", () => {
    const stage = facts("pr-12", { protect: true, lock: { createdAt: T0 }, live: false });
    const verdict = decideAt(at(30), stage, { warnedAt: at(20) });
    expect(verdict).toMatchObject({ decision: "protected", kind: "pr" });
    expect(verdict.reason).toBe("pr-12 is protected: its SST config sets protect (_protect in state).");
  });

  it("a permanent kind is protected even when idle for months", () => {
    const verdict = decideAt(at(400), facts("production-eu"), { warnedAt: at(300) });
    expect(verdict).toMatchObject({ decision: "protected", kind: "permanent" });
    expect(verdict.reason).toBe("production-eu is a permanent stage; permanent stages are never removed.");
  });

  it("an active keep-until keeps, naming the date and who kept it; an expired one is ignored", () => {
    const override = { until: at(20), by: "U0BBB", reason: "demo on Friday" };
    const kept = decideAt(at(19), facts("pr-12"), { override, warnedAt: at(7) });
    expect(kept.decision).toBe("keep");
    expect(kept.reason).toBe("pr-12 is kept until 2025-03-21 08:00 UTC by U0BBB (demo on Friday).");
    // The keep ran out: the warning sent before it no longer counts, so a fresh warning comes first.
    const after = decideAt(at(20, 1), facts("pr-12"), { override, warnedAt: at(7) });
    expect(after).toMatchObject({ decision: "expiring", removeAt: at(21, 1) });
    const warnedAgain = decideAt(at(21, 2), facts("pr-12"), { override, warnedAt: at(20, 1) });
    expect(warnedAgain.decision).toBe("remove");
  });
});

describe("what is there", () => {
  it("no live state but tagged resources: orphaned, never deleted", () => {
    const verdict = decideAt(at(30), facts("pr-3", { live: false, taggedResources: 3, resourceCount: 0 }));
    expect(verdict.decision).toBe("orphaned");
    expect(verdict.reason).toBe(
      "pr-3 has no live SST state but 3 tagged resources remain; they are reported, never deleted.",
    );
  });

  it("no live state and nothing tagged: already removed", () => {
    const verdict = decideAt(at(30), facts("pr-3", { live: false, taggedResources: 0 }));
    expect(verdict).toMatchObject({ decision: "keep" });
    expect(verdict.reason).toContain("already removed");
  });

  it("a lock leaves the stage alone; a stale one says so and how to clear it", () => {
    const lock = { createdAt: at(10), command: "deploy" };
    const fresh = decideAt(at(10, 2), facts("pr-12", { lock }), { warnedAt: at(8) });
    expect(fresh.decision).toBe("locked");
    expect(fresh.reason).toBe(
      "pr-12 is locked by an sst deploy started 2025-03-11 08:00 UTC; it is left alone until the update ends.",
    );
    const stale = decideAt(at(12), facts("pr-12", { lock }));
    expect(stale.decision).toBe("locked");
    expect(stale.reason).toContain("48 hours, beyond the 24-hour stale-lock age); run sst unlock");
  });

  it("a lock command that is not a plain word is not echoed", () => {
    const lock = { createdAt: at(10), command: "deploy\n$(rm -rf /)" };
    expect(decideAt(at(10, 1), facts("pr-12", { lock })).reason).toContain("locked by an update started");
  });

  it("a name SST would not write is unknown and quoted", () => {
    const verdict = decideAt(at(30), facts("pr 12"));
    expect(verdict).toMatchObject({ decision: "unknown", kind: "unknown" });
    expect(verdict.reason).toBe(
      '"web/pr 12" is not a valid SST app and stage name, so it is never acted on.',
    );
    expect(decideAt(at(30), { ...facts("pr-12"), app: "9web" }).decision).toBe("unknown");
  });
});

describe("expiry with a moving clock", () => {
  // pr-12 was last deployed at T0; pr stages expire after 7 idle days with 24 hours' warning.
  it("keeps while not due, naming when it expires", () => {
    const verdict = decideAt(at(5), facts("pr-12"));
    expect(verdict).toMatchObject({ decision: "keep", expiresAt: at(7) });
    expect(verdict.reason).toBe(
      "pr-12 has been idle 5 days; pr stages expire after 7 idle days, so it expires 2025-03-08 08:00 UTC.",
    );
  });

  it("becomes expiring once within the warning lead time", () => {
    const verdict = decideAt(at(6, 12), facts("pr-12"));
    expect(verdict).toMatchObject({ decision: "expiring", expiresAt: at(7), removeAt: at(7, 12) });
    expect(verdict.reason).toBe(
      "pr-12 has been idle 6 days; pr stages expire after 7 idle days, so it will be removed after 2025-03-08 20:00 UTC unless kept.",
    );
  });

  it("an overdue stage never warned is expiring, not removed", () => {
    const verdict = decideAt(at(9), facts("pr-12"));
    expect(verdict).toMatchObject({ decision: "expiring", removeAt: at(10) });
    expect(verdict.reason).toMatch(/^pr-12 has been idle 9 days; pr stages expire after 7 idle days/);
  });

  it("stays expiring until the warning is a full lead time old, then removes", () => {
    const warnedAt = at(6, 12);
    expect(decideAt(at(7), facts("pr-12"), { warnedAt })).toMatchObject({
      decision: "expiring",
      removeAt: at(7, 12),
    });
    expect(decideAt(at(7, 11), facts("pr-12"), { warnedAt }).decision).toBe("expiring");
    const removed = decideAt(at(7, 12), facts("pr-12"), { warnedAt });
    expect(removed).toMatchObject({ decision: "remove", removeAt: at(7, 12) });
    expect(removed.reason).toBe(
      "pr-12 has been idle 7 days; pr stages expire after 7 idle days, and it was warned 2025-03-07 20:00 UTC.",
    );
  });

  it("an early warning does not remove before the expiry time", () => {
    const verdict = decideAt(at(6, 23), facts("pr-12"), { warnedAt: at(5) });
    expect(verdict).toMatchObject({ decision: "expiring", removeAt: at(7) });
    expect(decideAt(at(7), facts("pr-12"), { warnedAt: at(5) }).decision).toBe("remove");
  });

  it("a deploy after the warning restarts the cycle", () => {
    const stage = facts("pr-12", { lastDeployedAt: at(8) });
    expect(decideAt(at(16), stage, { warnedAt: at(6) })).toMatchObject({
      decision: "expiring",
      removeAt: at(17),
    });
  });

  it("falls back to createdAt when there is no last deploy", () => {
    const verdict = decideAt(at(8), facts("pr-12", { lastDeployedAt: undefined }), { warnedAt: at(7) });
    expect(verdict.decision).toBe("remove");
  });

  it("personal stages expire after 14 idle days", () => {
    expect(decideAt(at(12), facts("alice")).decision).toBe("keep");
    expect(decideAt(at(13, 12), facts("alice"))).toMatchObject({ decision: "expiring", kind: "personal" });
    expect(decideAt(at(15), facts("alice"), { warnedAt: at(13) }).decision).toBe("remove");
  });

  it("a closed pull request expires the stage after the grace period; an open one does not", () => {
    const pr = { state: "closed" as const, closedAt: at(1) };
    const verdict = decideAt(at(1, 2), facts("pr-12"), { pr });
    expect(verdict).toMatchObject({ decision: "expiring", expiresAt: at(1, 1), removeAt: at(2, 2) });
    expect(verdict.reason).toContain("the pull request of pr-12 was closed 2025-03-02 08:00 UTC");
    expect(decideAt(at(2, 1), facts("pr-12"), { pr, warnedAt: at(1, 1) }).decision).toBe("remove");
    expect(decideAt(at(2), facts("pr-12"), { pr: { state: "open" } }).decision).toBe("keep");
  });

  it("age and fixed-date rules, earliest wins", () => {
    const custom = parseConfig({
      kinds: [
        {
          name: "demo",
          match: "^demo-",
          removable: true,
          expire: { ageDays: 30, at: "2025-03-20", idleDays: 90 },
        },
      ],
    });
    const stage = facts("demo-1", { lastDeployedAt: at(25) });
    const run = (now: Date) => decideStage({ facts: stage, config: custom, now, failures: [] });
    expect(run(at(10))).toMatchObject({ decision: "keep", expiresAt: new Date("2025-03-20T00:00:00Z") });
    expect(run(at(10)).reason).toBe(
      "demo stages expire on 2025-03-20 00:00 UTC, so it expires 2025-03-20 00:00 UTC.",
    );
    const older = facts("demo-1", { createdAt: new Date("2025-02-01T00:00:00Z"), lastDeployedAt: at(0) });
    const verdict = decideStage({ facts: older, config: custom, now: at(0), failures: [] });
    expect(verdict.reason).toMatch(/^demo-1 is 28 days old; demo stages expire 30 days after creation/);
  });
});

describe("unknown facts never lead to a removal", () => {
  it("_protect unknown turns a removal into unknown", () => {
    const verdict = decideAt(at(9), facts("pr-12", { protect: "unknown" }), { warnedAt: at(7) });
    expect(verdict.decision).toBe("unknown");
    expect(verdict.reason).toMatch(
      /^state has no _protect \(written by SST before v3\.3\.69\), so pr-12 is not removed/,
    );
    // Nothing would be removed anyway: no reason to flag it.
    expect(decideAt(at(2), facts("pr-12", { protect: "unknown" })).decision).toBe("keep");
  });

  it("no created or deployed time: unknown", () => {
    const stage = facts("pr-12", { createdAt: undefined, lastDeployedAt: undefined });
    const verdict = decideAt(at(30), stage, { warnedAt: at(20) });
    expect(verdict.decision).toBe("unknown");
    expect(verdict.reason).toContain("has no created or last-deployed time");
  });

  it("other and non-removable kinds are kept", () => {
    expect(decideAt(at(300), facts("feature-x")).decision).toBe("keep");
    expect(decideAt(at(300), facts("feature-x")).reason).toContain("other stage");
    const custom = parseConfig({
      kinds: [{ name: "docs", match: "^docs", removable: false, expire: { idleDays: 1 } }],
    });
    const verdict = decideStage({ facts: facts("docs-1"), config: custom, now: at(300), failures: [] });
    expect(verdict).toMatchObject({
      decision: "keep",
      reason: "docs-1 is a docs stage; docs stages are not removable.",
    });
  });
});

describe("fail closed", () => {
  const failure = (source: SourceFailure["source"], region?: string): SourceFailure => ({
    source,
    account: "111111111111",
    region,
    message: "AccessDenied",
  });
  const due = { warnedAt: at(7) };

  it.each(["state", "lock", "tagging", "bootstrap"] as const)(
    "a failed %s read blocks removal there",
    (source) => {
      const verdict = decideAt(at(9), facts("pr-12"), { ...due, failures: [failure(source, "us-east-1")] });
      expect(verdict.decision).toBe("unknown");
      expect(verdict.reason).toBe(
        `pr-12 is due (idle 9 days) but the ${source} read for 111111111111/us-east-1 failed (AccessDenied), so it is not acted on this run.`,
      );
    },
  );

  it("a failure without a region covers the whole account; other regions and accounts are unaffected", () => {
    expect(decideAt(at(9), facts("pr-12"), { ...due, failures: [failure("state")] }).decision).toBe(
      "unknown",
    );
    expect(
      decideAt(at(9), facts("pr-12"), { ...due, failures: [failure("state", "eu-west-1")] }).decision,
    ).toBe("remove");
    const elsewhere = { ...failure("state"), account: "222222222222" };
    expect(decideAt(at(9), facts("pr-12"), { ...due, failures: [elsewhere] }).decision).toBe("remove");
  });

  it("expiring becomes unknown too, and so do orphan reports", () => {
    expect(decideAt(at(9), facts("pr-12"), { failures: [failure("tagging")] }).decision).toBe("unknown");
    const orphan = facts("pr-3", { live: false, taggedResources: 2 });
    const verdict = decideAt(at(9), orphan, { failures: [failure("state")] });
    expect(verdict.decision).toBe("unknown");
    expect(verdict.reason).toContain("looks removed or orphaned but the state read");
  });

  it("cost and GitHub failures do not block removals", () => {
    const verdict = decideAt(at(9), facts("pr-12"), {
      ...due,
      failures: [failure("cost"), failure("github")],
    });
    expect(verdict.decision).toBe("remove");
  });

  it("failure messages are cleaned before they reach a reason", () => {
    const noisy = { ...failure("state"), message: "line one\nline two\u0007" };
    expect(decideAt(at(9), facts("pr-12"), { failures: [noisy] }).reason).toContain("(line one line two)");
  });
});
