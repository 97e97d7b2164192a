// The Stagekeeper config a deploy ships, read and validated while sst.config.ts runs. No SST globals here:
// this module is plain TypeScript so that it can be unit-tested (infra/test/load-config.test.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Config, ConfigError, parseConfig } from "../packages/core/src/config/index.js";

/** The config file at the repository root; `STAGEKEEPER_CONFIG` names another one. */
export const CONFIG_FILE = "stagekeeper.config.json";
export const CONFIG_ENV = "STAGEKEEPER_CONFIG";

export interface DeployConfig {
  /** The validated config with every default applied. */
  config: Config;
  /** Where it came from, for messages: a path relative to the root, or "built-in defaults". */
  source: string;
}

/**
 * Reads `$STAGEKEEPER_CONFIG` (relative to `root`), else `stagekeeper.config.json` at `root`, else uses the
 * built-in defaults (dry run on). A file that is named but missing, is not JSON, or does not validate throws
 * a ConfigError whose message names every bad field, so the deploy stops before anything is created.
 */
export function loadDeployConfig(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
): DeployConfig {
  const named = env[CONFIG_ENV]?.trim() || undefined;
  const file = named ? path.resolve(root, named) : path.join(root, CONFIG_FILE);
  const source = path.relative(root, file) || file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (!named && isNotFound(error))
      return { config: parseConfig({}, "built-in defaults"), source: "built-in defaults" };
    throw new ConfigError(
      [
        {
          path: "(file)",
          message: `cannot be read (${reason(error)}); check ${CONFIG_ENV} or ${CONFIG_FILE}`,
        },
      ],
      source,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ path: "(document)", message: `is not valid JSON (${reason(error)})` }], source);
  }
  return { config: parseConfig(json, source), source };
}

/** The resources this deployment created, which the functions must use whatever the file says. */
export interface DeployedResources {
  ledgerBucket: string;
  removalProject: string;
  removalQueueUrl: string;
}

/**
 * The config the functions receive: the validated file with `ledger` and `removal` pointing at this
 * deployment's bucket, CodeBuild project and queue. Validated again, so a function never starts from a config
 * the core would reject.
 */
export function deployedConfig(config: Config, resources: DeployedResources): Config {
  const merged: Config = {
    ...config,
    ledger: { bucket: resources.ledgerBucket },
    removal: { project: resources.removalProject, queue: resources.removalQueueUrl },
  };
  return parseConfig(JSON.parse(JSON.stringify(merged)), "deployed config");
}

/** Settings in the file that the deployment replaces with its own resources (said once at deploy time). */
export function overriddenSettings(config: Config): string[] {
  const notes: string[] = [];
  if (config.ledger)
    notes.push(`ledger.bucket "${config.ledger.bucket}" is replaced by this deployment's bucket`);
  if (config.removal) notes.push(`removal.* is replaced by this deployment's CodeBuild project and queue`);
  return notes;
}

/**
 * Accounts whose stages this deployment can scan but not remove: CodeBuild holds no permissions of its own to
 * remove anything, so a removal needs the account's `roleArn` (docs/deploy.md), the home account included.
 */
export function removalWarnings(config: Config): string[] {
  if (config.accounts.length === 0) {
    return [
      'no "accounts" configured: the home account is scanned with the functions\' own role, but no removal can ' +
        'succeed until it is listed with a "roleArn" (docs/deploy.md, "A role in each account")',
    ];
  }
  return config.accounts
    .filter((account) => account.roleArn === undefined)
    .map(
      (account) =>
        `account ${account.id} has no "roleArn": its stages are scanned (in this account only) but removals in ` +
        "it will fail with AccessDenied (docs/deploy.md)",
    );
}

/** The IAM roles to assume in the accounts to scan and clean (`accounts[].roleArn`), each once. */
export function targetRoleArns(config: Config): string[] {
  return [...new Set(config.accounts.flatMap((account) => (account.roleArn ? [account.roleArn] : [])))];
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
