import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { clientConfig, DEV, testSeed } from "../../sandbox/test/fixtures.js";
import { parseConfig } from "../src/config/index.js";
import { newRecord, recordKey, type StageRecord, stageRecordSchema } from "../src/ledger/records.js";
import { LedgerStore } from "../src/ledger/store.js";
import { classify } from "../src/policy/index.js";
import { type Intent, passGate } from "../src/removal/gate.js";
import type { StageFacts } from "../src/stage/facts.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LEDGER = "stagekeeper-ledger";

let sandbox: Sandbox;
let store: LedgerStore;
let s3: S3Client;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: testSeed() });
  s3 = new S3Client(clientConfig(sandbox));
  store = new LedgerStore(s3, LEDGER);
});
afterAll(() => sandbox.close());

/** Mostly the values that let a removal through, so that claims happen often enough to be checked. */
const mostly = <T>(usual: T, ...rare: T[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, fc.constantFrom(...rare));

const scenario = fc.record({
  stage: fc.constantFrom("pr-12", "pr-40", "alice", "production", "staging-eu", "feature-x", "load-test"),
  protect: mostly<StageFacts["protect"]>(false, true, "unknown"),
  locked: mostly(false, true),
  live: mostly(true, false),
  idleDays: fc.integer({ min: 0, max: 40 }),
  warnedHoursAgo: fc.option(fc.integer({ min: 0, max: 72 }), { nil: undefined }),
  keep: mostly("none", "active", "expired"),
  claimed: mostly(false, true),
  status: mostly<StageRecord["status"]>("active", "protected", "failed", "removed"),
  intent: fc.constantFrom("expired", "manual", "pr-open", "pr-closed"),
  dryRun: mostly(false, true),
});

describe("the safety gate", () => {
  it("claims only what every check allows, whatever the facts, the record and the surface", async () => {
    let claims = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const config = parseConfig({
          dryRun: s.dryRun,
          owners: { alice: "U0ALICE" },
          accounts: [{ id: DEV, regions: ["us-east-1"] }],
          apps: [{ name: "shop", repository: "acme/shop" }],
          ledger: { bucket: LEDGER },
          removal: { project: "stagekeeper-remove" },
        });
        const key = { account: DEV, region: "us-east-1", app: "shop", stage: s.stage };
        const lastDeployedAt = new Date(NOW.getTime() - s.idleDays * DAY);
        const facts: StageFacts = {
          ...key,
          live: s.live,
          createdAt: new Date(lastDeployedAt.getTime() - DAY),
          lastDeployedAt,
          protect: s.protect,
          ...(s.locked ? { lock: { createdAt: new Date(NOW.getTime() - HOUR) } } : {}),
          resourceCount: s.live ? 5 : 0,
          resourceTypes: {},
          taggedResources: s.live ? 5 : 0,
        };
        const record: StageRecord = {
          ...newRecord(key, NOW),
          status: s.status,
          ...(s.claimed ? { claim: "earlier-claim-0001", status: "removing" as const } : {}),
          ...(s.warnedHoursAgo !== undefined
            ? {
                warning: {
                  at: new Date(NOW.getTime() - s.warnedHoursAgo * HOUR).toISOString(),
                  removeAt: NOW.toISOString(),
                },
              }
            : {}),
          ...(s.keep !== "none"
            ? {
                keep: {
                  until: new Date(NOW.getTime() + (s.keep === "active" ? DAY : -DAY)).toISOString(),
                  by: "U0BOB",
                  at: new Date(NOW.getTime() - 2 * DAY).toISOString(),
                },
              }
            : {}),
        };
        await s3.send(new DeleteObjectCommand({ Bucket: LEDGER, Key: recordKey(key) }));
        await store.put(recordKey(key), record, undefined);
        const intent: Intent =
          s.intent === "expired"
            ? { kind: "expired" }
            : s.intent === "manual"
              ? { kind: "manual" }
              : {
                  kind: "pr-closed",
                  pr: { state: s.intent === "pr-open" ? "open" : "closed", closedAt: NOW },
                };
        const result = await passGate(
          {
            store,
            config,
            now: NOW,
            target: (account) => (account === DEV ? { account, regions: ["us-east-1"] } : undefined),
            readStage: async () => facts,
          },
          { key, trigger: { surface: "cli", by: "property" }, intent },
        );
        const after = (await store.get(recordKey(key), stageRecordSchema))?.value;
        if (result.outcome !== "claimed") {
          // Refused or dry run: the record is exactly as it was.
          expect(after).toEqual(record);
          return;
        }
        claims++;
        const kind = classify(s.stage, config);
        expect(kind.rule?.removable).toBe(true);
        expect(s.dryRun).toBe(false);
        expect(s.protect).toBe(false);
        expect(s.locked).toBe(false);
        expect(s.live).toBe(true);
        expect(s.keep).not.toBe("active");
        expect(s.claimed).toBe(false);
        expect(s.status).not.toBe("protected");
        if (s.intent === "expired") {
          expect(s.warnedHoursAgo ?? -1).toBeGreaterThanOrEqual(24);
          expect(s.status).not.toBe("failed");
        }
        if (s.intent.startsWith("pr-")) expect([kind.kind, s.intent]).toEqual(["pr", "pr-closed"]);
        expect(after?.claim).toBe(result.removalId);
        expect(after?.attempts.at(-1)?.removalId).toBe(result.removalId);
      }),
      { numRuns: 200 },
    );
    // The property is only worth something if claims happen at all.
    expect(claims).toBeGreaterThan(3);
  }, 180_000);
});
