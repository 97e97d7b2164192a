// The daily run, on the Cron's schedule: survey → plan → warn → remove through the gate → record → report.
// Removals in flight are settled by the worker (it alone holds CodeBuild), asked through the queue.
import { enqueueReconcile, runDailyAndReport, startRunMetrics } from "@stagekeeper/core";
import { deployedConfig, homeRegion } from "./linked.js";

/** The fields of the EventBridge Scheduler event the handler reads: the scheduled time, the same on retries. */
export interface ScheduledEvent {
  time?: string;
}

export async function handler(event: ScheduledEvent = {}) {
  const metrics = startRunMetrics();
  try {
    const env = { config: deployedConfig(), now: new Date(), homeRegion: homeRegion() };
    console.log(
      JSON.stringify({ message: "daily run", scheduledTime: event.time ?? null, dryRun: env.config.dryRun }),
    );
    await enqueueReconcile(env);
    const report = await runDailyAndReport(env);
    metrics.publish(report, report.reported);
    for (const error of report.reported?.errors ?? [])
      console.error(JSON.stringify({ message: "report", error }));
    return {
      warned: report.warned.length,
      started: report.started.length,
      ...(report.suspended ? { suspended: report.suspended } : {}),
    };
  } finally {
    metrics.calls.stop();
  }
}
