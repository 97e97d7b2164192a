import { decide, planToJson, renderPlanTable, survey } from "@stagekeeper/core";
import { parse } from "../args.js";
import { environment, progress } from "../context.js";

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
  const env = await environment(values);
  const report = progress();
  const facts = await survey(env.config, { ...env, ...(report ? { progress: report } : {}) });
  const result = decide({ ...facts, config: env.config, now: env.now });
  process.stdout.write(
    values.json ? `${JSON.stringify(planToJson(result), null, 2)}\n` : renderPlanTable(result),
  );
  return result.failures.length > 0 ? 3 : 0;
}
