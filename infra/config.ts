// The Stagekeeper config of this deployment and the names the other infra modules share.
import { loadDeployConfig, overriddenSettings, removalWarnings, targetRoleArns } from "./load-config";

// sst.config.ts runs with the repository root as its working directory.
const loaded = loadDeployConfig(process.cwd(), process.env);
for (const note of overriddenSettings(loaded.config)) console.log(`Stagekeeper config: ${note}`);
for (const warning of removalWarnings(loaded.config)) console.warn(`Stagekeeper config: ${warning}`);
console.log(
  `Stagekeeper config: ${loaded.source}, dry run ${loaded.config.dryRun ? "ON (nothing is removed)" : "off"}`,
);

export const config = loaded.config;

/** `accounts[].roleArn`: what the scan, the removal worker and CodeBuild may assume. */
export const targetRoles = targetRoleArns(config);

/**
 * A physical name for our own IAM roles and CodeBuild project: `stagekeeper-<stage>-<suffix>`, at most 64
 * characters. Fixed names let the target accounts' trust policies name these roles (docs/deploy.md).
 */
export function physical(suffix: string): string {
  const prefix = `${$app.name}-${$app.stage}`.slice(0, 63 - suffix.length);
  return `${prefix}-${suffix}`;
}
