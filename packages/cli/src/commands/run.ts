import { renderRunSummary, stageId } from "@stagekeeper/core";
import { parse } from "../args.js";
import { environment, progress } from "../context.js";
import { runAsOperator } from "../operator.js";

/** `stagekeeper run [--config FILE] [--now ISO-8601] [--json]`: the daily job; exit 3 when a source failed. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: "string" },
    json: { type: "boolean" },
    now: { type: "string" },
  });
  const env = await environment(values);
  const reporter = progress();
  const { report, worker } = await runAsOperator(env, reporter);
  if (values.json) {
    const json = {
      dryRun: report.dryRun,
      suspended: report.suspended ?? null,
      warned: report.warned.map(stageId),
      started: report.started.map((s) => ({ stage: stageId(s.stage), removalId: s.removalId })),
      builds: worker.map((w) => ({ removalId: w.removalId, action: w.action, buildId: w.buildId ?? null })),
      wouldRemove: report.wouldRemove.map(stageId),
      refused: report.refused.map((r) => ({ stage: stageId(r.stage), reason: r.reason })),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(renderRunSummary(report));
  }
  return report.plan.failures.length > 0 ? 3 : 0;
}
