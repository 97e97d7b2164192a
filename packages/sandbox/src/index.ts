export { Clock, parseDuration } from "./clock.js";
export type { FaultRule, RateLimit } from "./faults.js";
export { parseSeed, type Seed, type SeedInput, seedSchema } from "./seed/schema.js";
export { type Sandbox, type SandboxOptions, startSandbox } from "./server.js";
