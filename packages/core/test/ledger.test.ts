import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { clientConfig, testSeed, withSandbox } from "../../sandbox/test/fixtures.js";
import { audit, readAudit } from "../src/ledger/audit.js";
import { LedgerStore } from "../src/ledger/store.js";

const LEDGER = "stagekeeper-ledger";
const list = z.object({ writers: z.array(z.number()) });

describe("the ledger", () => {
  it("loses no update when 50 writers change one record at once", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = new LedgerStore(new S3Client({ ...clientConfig(sandbox), maxAttempts: 3 }), LEDGER);
      await Promise.all(
        Array.from({ length: 50 }, (_, writer) =>
          store.update("race/record.json", list, (current) => ({
            writers: [...(current?.writers ?? []), writer],
          })),
        ),
      );
      const final = await store.get("race/record.json", list);
      expect(final?.value.writers).toHaveLength(50);
      expect(new Set(final?.value.writers).size).toBe(50);
    });
  });

  it("retries a write that S3 answers with 409 ConditionalRequestConflict", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = new LedgerStore(new S3Client(clientConfig(sandbox)), LEDGER);
      await fetch(`${sandbox.url}/_sandbox/s3/conflicts`, {
        method: "POST",
        body: JSON.stringify({ count: 2 }),
      });
      const written = await store.update("race/conflict.json", list, () => ({ writers: [1] }));
      expect(written?.value.writers).toEqual([1]);
      expect((await store.get("race/conflict.json", list))?.value.writers).toEqual([1]);
    });
  });

  it("refuses to read a record that is not what it claims to be, instead of acting on it", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = new LedgerStore(new S3Client(clientConfig(sandbox)), LEDGER);
      await store.put("race/bad.json", { writers: "all" }, undefined);
      await expect(store.get("race/bad.json", list)).rejects.toThrow(/not valid/);
    });
  });

  it("keeps an append-only audit log: every entry its own object, never overwritten", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const store = new LedgerStore(new S3Client(clientConfig(sandbox)), LEDGER);
      const now = new Date("2026-11-20T09:00:00Z");
      const trigger = { surface: "cli" as const, by: "alice" };
      await Promise.all(
        ["warned", "kept", "claimed"].map((action) =>
          audit(store, { action: action as "warned", reason: action, trigger, now }),
        ),
      );
      const entries = await readAudit(store, "2026-11-20");
      expect(entries.map((e) => e.action).sort()).toEqual(["claimed", "kept", "warned"]);
      expect(entries.every((e) => e.trigger.by === "alice" && e.at === now.toISOString())).toBe(true);
    });
  });
});
