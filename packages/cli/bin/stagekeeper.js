#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, so the repository needs no build step.
import { register } from "tsx/esm/api";

// The lock file pins the AWS SDK; its notice about future Node 22-only releases is not the operator's to act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
