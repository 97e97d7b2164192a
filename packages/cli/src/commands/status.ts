import { currentAttempt, ledgerOf, readRecords, stageId } from "@stagekeeper/core";
import { parse } from "../args.js";
import { environment } from "../context.js";

/** `stagekeeper status [--config FILE] [--json]`: removals in flight, failures, and refusals by sst remove. */
export async function status(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: "string" }, json: { type: "boolean" } });
  const env = await environment(values);
  const records = [...(await readRecords(ledgerOf(env))).values()].map((r) => r.value);
  const rows = records.flatMap((record) => {
    const last = currentAttempt(record) ?? record.attempts.at(-1);
    const state = record.claim ? "removing" : record.status;
    if (state !== "removing" && state !== "failed" && state !== "protected") return [];
    return [
      {
        stage: stageId(record),
        state,
        removalId: last?.removalId ?? null,
        build: last?.buildId ?? null,
        since: last?.claimedAt ?? null,
        message: last?.message ?? null,
        log: last?.logUrl ?? null,
      },
    ];
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ removals: rows }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write("No removal in flight, none failed.\n");
    return 0;
  }
  for (const row of rows) {
    const detail = [row.build && `build ${row.build}`, row.message, row.log && `log ${row.log}`].filter(
      Boolean,
    );
    process.stdout.write(`${row.state.toUpperCase().padEnd(9)} ${row.stage}  ${detail.join("; ")}\n`);
  }
  return 0;
}
