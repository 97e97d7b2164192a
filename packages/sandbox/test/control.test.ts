import { describe, expect, it } from "vitest";
import { parseDuration } from "../src/index.js";
import { testSeed, withSandbox } from "./fixtures.js";

describe("sandbox control API", () => {
  it("sets and advances the clock over HTTP", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const set = await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ set: "2026-12-01T00:00:00Z" }),
      });
      expect(((await set.json()) as { now: string }).now.slice(0, 16)).toBe("2026-12-01T00:00");
      const moved = await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance: "P1DT2H" }),
      });
      expect(((await moved.json()) as { now: string }).now.slice(0, 16)).toBe("2026-12-02T02:00");
      const bad = await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: '{"advance":"1 day"}',
      });
      expect(bad.status).toBe(400);
    });
  });

  it("parses ISO-8601 durations and refuses others", () => {
    expect(parseDuration("PT36H")).toBe(36 * 3_600_000);
    expect(parseDuration("P1W")).toBe(7 * 86_400_000);
    expect(parseDuration("PT0.5S")).toBe(500);
    expect(() => parseDuration("P")).toThrow(/invalid/);
    expect(() => parseDuration("1d")).toThrow(/invalid/);
  });

  it("rejects an invalid fault rule with the reason", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const res = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ service: "s3", kind: "explode" }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/unknown fault kind/);
    });
  });
});
