import { type Config, ConfigError, type Environment, homeRegion, loadConfig } from "@stagekeeper/core";
import { parseNow } from "./args.js";

/** A config error is the operator's to fix: exit code 2 with the field and the fix. */
export class ConfigExit extends Error {}

export async function environment(values: { config?: string; now?: string }): Promise<Environment> {
  let config: Config;
  try {
    config = await loadConfig(values.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigExit(error.message);
    throw error;
  }
  return { config, now: parseNow(values.now), homeRegion: homeRegion() };
}

export function progress(): ((message: string) => void) | undefined {
  return process.stderr.isTTY ? (message) => process.stderr.write(`… ${message}\n`) : undefined;
}
