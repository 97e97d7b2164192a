import { describe, expect, it } from "vitest";
import { responsiveGate, spacedGate } from "../src/aws/pace.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("spacedGate", () => {
  it("runs work one at a time, each at least the pause after the previous one ended", async () => {
    const gate = spacedGate(40);
    const spans: [number, number][] = [];
    await Promise.all(
      [0, 1, 2, 3].map(() =>
        gate(async () => {
          const start = performance.now();
          await sleep(10);
          spans.push([start, performance.now()]);
        }),
      ),
    );
    expect(spans).toHaveLength(4);
    for (let i = 1; i < spans.length; i++) {
      const [start] = spans[i] ?? [0, 0];
      const [, previousEnd] = spans[i - 1] ?? [0, 0];
      // Timers never fire early; a millisecond for the clock's rounding.
      expect(start - previousEnd).toBeGreaterThanOrEqual(39);
    }
  });

  it("goes on after work that failed", async () => {
    const gate = spacedGate(1);
    await expect(gate(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(gate(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe("responsiveGate", () => {
  it("opens its slots gradually: two at first, never more than its limit", async () => {
    const gate = responsiveGate(4);
    let active = 0;
    let most = 0;
    const startedAt: number[] = [];
    const opened = performance.now();
    await Promise.all(
      Array.from({ length: 12 }, () =>
        gate(async () => {
          startedAt.push(performance.now() - opened);
          active++;
          most = Math.max(most, active);
          await sleep(30);
          active--;
        }),
      ),
    );
    expect(startedAt).toHaveLength(12);
    expect(most).toBeLessThanOrEqual(4);
    // The third waits for one of the first two to end.
    expect(startedAt.filter((t) => t < 25)).toHaveLength(2);
  });
});
