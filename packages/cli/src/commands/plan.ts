import { ConfigError, decide, loadConfig, planToJson, renderPlanTable, survey } from "@stagekeeper/core";
import { parse, parseNow } from "../args.js";

/**
 * `stagekeeper plan [--config FILE] [--json] [--now ISO-8601]`: exit 0 on success, 2 on a config error,
 * 3 when a source could not be read (the plan is still printed: it says what it could not see).
 */
export async function plan(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: "string" },
    json: { type: "boolean" },
    now: { type: "string" },
  });
  const now = parseNow(values.now);
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(values.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const progress = process.stderr.isTTY
    ? (message: string) => process.stderr.write(`… ${message}\n`)
    : undefined;
  const facts = await survey(config, {
    now,
    homeRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...(progress ? { progress } : {}),
  });
  const result = decide({ ...facts, config, now });
  process.stdout.write(
    values.json ? `${JSON.stringify(planToJson(result), null, 2)}\n` : renderPlanTable(result),
  );
  return result.failures.length > 0 ? 3 : 0;
}
