import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { dashboardHtml, digestBlocks, digestText, latestReport } from "@stagekeeper/core";
import { parse } from "../args.js";
import { ConfigExit, environment } from "../context.js";

/**
 * `stagekeeper report [--config FILE] [--json] [--html FILE]`: the digest of the latest run recorded in the
 * ledger, as text (default) or JSON (the Slack messages), or the HTML dashboard written to FILE. Read-only:
 * nothing is sent to Slack. Exit 0; 2 on a config error; 4 when the ledger holds no run yet.
 */
export async function report(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: "string" },
    json: { type: "boolean" },
    html: { type: "string" },
  });
  const env = await environment(values);
  if (!env.config.ledger)
    throw new ConfigExit('no ledger bucket is configured: set "ledger": {"bucket": "..."} in the config');
  const found = await latestReport(env);
  if (!found) {
    process.stderr.write(
      `stagekeeper report: no run is recorded in s3://${env.config.ledger.bucket} yet; run \`stagekeeper run\` first.\n`,
    );
    return 4;
  }
  const { data, errors } = found;
  for (const error of errors) process.stderr.write(`stagekeeper report: ${error}\n`);
  if (values.html) {
    const file = resolve(values.html);
    await writeFile(file, dashboardHtml(data));
    process.stdout.write(`Dashboard of the run of ${data.at.toISOString()} written to ${file}\n`);
    return 0;
  }
  const digest = digestBlocks(data, {
    dashboardNote: "write it with `stagekeeper report --html dashboard.html`",
  });
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ at: data.at.toISOString(), dryRun: data.dryRun, digest }, null, 2)}\n`
      : digestText(digest),
  );
  return 0;
}
