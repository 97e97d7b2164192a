import type { AccountTarget } from "../aws/accounts.js";
import type { AppConfig, Config } from "../config/index.js";
import { isValidStageName, type StageKey } from "../stage/key.js";

export const DEFAULT_STAGE_TEMPLATE = "pr-{number}";
const NUMBER = "{number}";

/** A pull request, named as GitHub names it. */
export interface PullRequestRef {
  repository: string;
  number: number;
}

export function prLabel(pr: PullRequestRef): string {
  return `${pr.repository}#${pr.number}`;
}

/** The stage a pull request deploys to, from `github.stageTemplate`; undefined when SST would not accept it. */
export function prStageName(config: Config, number: number): string | undefined {
  const template = config.github?.stageTemplate ?? DEFAULT_STAGE_TEMPLATE;
  const name = template.replace(NUMBER, String(number));
  return isValidStageName(name) ? name : undefined;
}

/** The pull request number a stage name stands for under the template (the inverse of prStageName). */
export function prNumberOf(config: Config, stage: string): number | undefined {
  const template = config.github?.stageTemplate ?? DEFAULT_STAGE_TEMPLATE;
  const at = template.indexOf(NUMBER);
  if (at < 0) return undefined;
  const before = template.slice(0, at);
  const after = template.slice(at + NUMBER.length);
  if (stage.length <= before.length + after.length || !stage.startsWith(before) || !stage.endsWith(after))
    return undefined;
  const digits = stage.slice(before.length, stage.length - after.length);
  return /^[1-9]\d{0,9}$/.test(digits) ? Number(digits) : undefined;
}

/** GitHub repository names are case-insensitive. */
export function sameRepository(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The apps deployed from a repository (`apps[].repository`). */
export function appsFor(config: Config, repository: string): AppConfig[] {
  return config.apps.filter((app) => sameRepository(app.repository, repository));
}

/** The accounts where an app's stages may live: its own account, else every configured one. */
export function accountsFor(config: Config, apps: readonly AppConfig[]): string[] {
  const all = config.accounts.map((a) => a.id);
  return [...new Set(apps.flatMap((app) => (app.account ? [app.account] : all)))];
}

/** Every place the stage of these apps may live: each app's account(s) × that account's configured regions. */
export function stageKeys(
  apps: readonly AppConfig[],
  stage: string,
  targets: readonly AccountTarget[],
): StageKey[] {
  return apps.flatMap((app) =>
    targets
      .filter((target) => !app.account || app.account === target.account)
      .flatMap((target) =>
        target.regions.map((region) => ({ account: target.account, region, app: app.name, stage })),
      ),
  );
}
