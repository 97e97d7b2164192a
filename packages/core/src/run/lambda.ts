import { type Config, ConfigError, parseConfig } from "../config/index.js";

type Env = Record<string, string | undefined>;

/**
 * Reads a value SST links to a function: SST puts each linked resource in `SST_RESOURCE_<Name>` as JSON,
 * which is what `Resource.<Name>` reads. Reading the variable directly keeps the `sst` runtime out of core.
 */
function linked(env: Env, name: string): Record<string, unknown> | undefined {
  const raw = env[`SST_RESOURCE_${name}`];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The config a function runs with: `STAGEKEEPER_CONFIG` (JSON, for tests and other hosts), else the deployed
 * config SST links as `Stagekeeper`. A missing or invalid config is a ConfigError naming the field.
 */
export function configFromEnv(env: Env = process.env): Config {
  const text = env.STAGEKEEPER_CONFIG;
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError(
        [{ path: "(file)", message: "STAGEKEEPER_CONFIG is not valid JSON" }],
        "STAGEKEEPER_CONFIG",
      );
    }
    return parseConfig(json, "STAGEKEEPER_CONFIG");
  }
  const deployed = linked(env, "Stagekeeper")?.config;
  if (deployed === undefined) {
    throw new ConfigError(
      [{ path: "(file)", message: "no config: link the Stagekeeper resource or set STAGEKEEPER_CONFIG" }],
      "environment",
    );
  }
  return parseConfig(typeof deployed === "string" ? JSON.parse(deployed) : deployed, "deployed config");
}

/** A secret: the plain variable (tests, other hosts) or the `sst.Secret` linked under `name`. */
export function secretFromEnv(env: Env, variable: string, name: string): string | undefined {
  const plain = env[variable];
  if (plain) return plain;
  const value = linked(env, name)?.value;
  return typeof value === "string" && value !== "" ? value : undefined;
}
