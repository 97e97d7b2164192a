export { Clock, parseDuration } from "./clock.js";
export type { FaultRule, RateLimit } from "./faults.js";
export { DEMO_DEV, DEMO_NOW, DEMO_PROD, demoSeed } from "./seed/demo.js";
export { type GenerateOptions, generateSeed } from "./seed/generate.js";
export { parseSeed, type Seed, type SeedInput, seedSchema } from "./seed/schema.js";
export { type Sandbox, type SandboxOptions, startSandbox } from "./server.js";
