// CodeBuild "Build State Change" events for our project: record the removal's outcome as soon as it ends.
// Duplicates and out-of-order events are harmless: applying an outcome twice changes nothing.
import { handleBuildEvent, ledgerOf } from "@stagekeeper/core";
import { deployedConfig, homeRegion } from "./linked.js";

export async function handler(event: unknown): Promise<{ action: string; reason: string }> {
  const env = { config: deployedConfig(), now: new Date(), homeRegion: homeRegion() };
  const result = await handleBuildEvent({ store: ledgerOf(env), config: env.config, now: env.now }, event);
  console.log(JSON.stringify({ message: "build event", ...result }));
  return { action: result.action, reason: result.reason };
}
