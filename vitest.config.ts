import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The sandbox tests start real HTTP servers; two cores run files two at a time.
    maxWorkers: 2,
  },
});
