import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "infra/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The sandbox tests start real HTTP servers; two cores run files two at a time.
    maxWorkers: 2,
    // The lock file pins the AWS SDK; its notice about future Node 22-only releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
