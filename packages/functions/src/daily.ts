// The daily run, on the Cron's schedule: survey → plan → warn → remove through the gate → record.
// Removals in flight are settled by the worker (it alone holds CodeBuild), asked through the queue.
import { enqueueReconcile, runDaily } from "@stagekeeper/core";
import { deployedConfig, homeRegion } from "./linked.js";

/** The fields of the EventBridge Scheduler event the handler reads: the scheduled time, the same on retries. */
export interface ScheduledEvent {
  time?: string;
}

export async function handler(
  event: ScheduledEvent = {},
): Promise<{ warned: number; started: number; suspended?: string }> {
  const env = { config: deployedConfig(), now: new Date(), homeRegion: homeRegion() };
  console.log(
    JSON.stringify({ message: "daily run", scheduledTime: event.time ?? null, dryRun: env.config.dryRun }),
  );
  await enqueueReconcile(env);
  const report = await runDaily(env);
  return {
    warned: report.warned.length,
    started: report.started.length,
    ...(report.suspended ? { suspended: report.suspended } : {}),
  };
}
