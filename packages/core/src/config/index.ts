import { readFile } from "node:fs/promises";
import { ConfigError, problemsFrom } from "./errors.js";
import { type Config, configSchema } from "./schema.js";

export { DEFAULT_KINDS } from "./defaults.js";
export { ConfigError, type ConfigProblem, formatPath } from "./errors.js";
export {
  type AccountConfig,
  type AppConfig,
  type Config,
  configSchema,
  type ExpiryRule,
  type KindRule,
  RESERVED_KINDS,
} from "./schema.js";

/** Validates a parsed JSON document and applies the defaults; throws a ConfigError naming each bad field. */
export function parseConfig(json: unknown, source = "config"): Config {
  const result = configSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw new ConfigError(problemsFrom(result.error.issues), source);
  return result.data;
}

/** The built-in defaults: dry run, the default kinds, the current credentials' account in us-east-1. */
export function defaultConfig(): Config {
  return parseConfig({});
}

/** Reads a JSON config file; with no path, the built-in defaults. */
export async function loadConfig(path?: string): Promise<Config> {
  if (path === undefined) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      [{ path: "(file)", message: `cannot be read (${reason}); check the --config path` }],
      path,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: "(document)", message: `is not valid JSON (${reason})` }], path);
  }
  return parseConfig(json, path);
}
