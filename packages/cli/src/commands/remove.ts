import { userInfo } from "node:os";
import {
  accountTargets,
  claimAndQueue,
  drainQueue,
  latestRun,
  ledgerOf,
  removalQueueOf,
  resolveStage,
  type StageKey,
  stageId,
} from "@stagekeeper/core";
import { parse, UsageError } from "../args.js";
import { environment } from "../context.js";
import { workerFor } from "../operator.js";

/**
 * `stagekeeper remove [ACCOUNT/][REGION/]APP/STAGE [--config FILE]`: a person's removal, through the same
 * safety gate as every other surface. Exit 0 when the removal started, 1 when the gate refused it.
 */
export async function remove(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: "string" }, now: { type: "string" } });
  const [text, ...extra] = positionals;
  if (!text || extra.length > 0) throw new UsageError("name exactly one stage: [ACCOUNT/][REGION/]APP/STAGE");
  const env = await environment(values);
  const store = ledgerOf(env);
  const snapshot = await latestRun(store);
  const known = (snapshot?.plan.stages ?? []) as StageKey[];
  const resolved = resolveStage(text, known);
  // A full ACCOUNT/REGION/APP/STAGE needs no snapshot: the gate reads that stage's facts itself.
  const [account = "", region = "", app = "", stage = ""] = text.split("/");
  const full = resolved.ok || (resolved.problem === "unknown" && text.split("/").length === 4);
  if (!full) {
    const candidates = resolved.ok ? "" : resolved.candidates.map((c) => `\n  ${stageId(c)}`).join("");
    const hint = snapshot ? "" : " (no run is recorded yet: name it as ACCOUNT/REGION/APP/STAGE)";
    process.stderr.write(`stagekeeper remove: ${resolved.ok ? "" : resolved.message}${hint}${candidates}\n`);
    return 1;
  }
  const key = resolved.ok ? resolved.key : { account, region, app, stage };
  const targets = await accountTargets(env);
  const queue = await removalQueueOf(env);
  const by = process.env.USER ?? userInfo().username;
  const result = await claimAndQueue(
    { store, config: env.config, now: env.now, target: (a) => targets.get(a) },
    { key, trigger: { surface: "cli", by }, intent: { kind: "manual" } },
    queue,
  );
  if (result.outcome !== "claimed") {
    process.stdout.write(`${stageId(key)} is not removed: ${result.reason}\n`);
    return result.outcome === "dry-run" ? 0 : 1;
  }
  const drained = await drainQueue(queue.sqs, queue.url, await workerFor(env), {
    waitSeconds: 0,
  });
  process.stdout.write(
    `Removal ${result.removalId} of ${stageId(key)} started (${drained.handled} queued request(s) handed to CodeBuild).\n`,
  );
  return 0;
}
