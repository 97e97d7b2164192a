import { userInfo } from "node:os";
import {
  claimAndQueue,
  drainQueue,
  latestRun,
  ledgerOf,
  parseRun,
  parseStageRef,
  removalQueueOf,
  resolveRef,
  stageId,
  targetLookup,
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
  const known = snapshot ? parseRun(snapshot, { daily: false }).stages : [];
  const ref = parseStageRef(text);
  if (!ref) throw new UsageError(`${JSON.stringify(text)} is not a stage: [ACCOUNT/][REGION/]APP/STAGE`);
  const resolved = resolveRef(known, ref);
  // A full ACCOUNT/REGION/APP/STAGE needs no snapshot: the gate reads that stage's facts itself.
  const { account, region, app } = ref;
  const full = account && region && app ? { account, region, app, stage: ref.stage } : undefined;
  const key = resolved.ok ? resolved.stage : resolved.candidates.length === 0 ? full : undefined;
  if (!key) {
    const candidates = resolved.ok ? [] : resolved.candidates.map((c) => `\n  ${stageId(c)}`);
    const why =
      candidates.length > 0
        ? `${text} matches ${candidates.length} stages; name the one you mean`
        : `no stage ${text} is known${snapshot ? "" : " (no run is recorded yet: name it as ACCOUNT/REGION/APP/STAGE)"}`;
    process.stderr.write(`stagekeeper remove: ${why}${candidates.join("")}\n`);
    return 1;
  }
  const target = await targetLookup(env.config, env.homeRegion);
  const queue = await removalQueueOf(env);
  const by = process.env.USER ?? userInfo().username;
  const result = await claimAndQueue(
    { store, config: env.config, now: env.now, target },
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
