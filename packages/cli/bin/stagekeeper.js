#!/usr/bin/env -S node --max-old-space-size=1024
// The CLI runs from TypeScript source through tsx, so the repository needs no build step.
// The heap limit is the memory the daily Lambda has (1,024 MB), not V8's default of a share of the machine's
// memory: V8 sizes its collections by that limit, and with the default a 2,000-stage plan peaked at 230-265 MB
// of RSS instead of about 200 MB, for about half a second more of collections (BENCHMARKS.md).
import { register } from "tsx/esm/api";

// The lock file pins the AWS SDK; its notice about future Node 22-only releases is not the operator's to act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
