/** SST's own name rules (SST-FACTS.md); anything else found in a key is malformed and never acted on. */
export const APP_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
export const STAGE_NAME = /^[A-Za-z0-9-]+$/;
export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Stage names repeat across apps and accounts: a stage is always known by all four parts. */
export interface StageKey {
  account: string;
  region: string;
  app: string;
  stage: string;
}

export function isValidAppName(name: string): boolean {
  return name.length <= 128 && APP_NAME.test(name);
}

export function isValidStageName(name: string): boolean {
  return name.length <= 128 && STAGE_NAME.test(name);
}

export function stageId(key: StageKey): string {
  return `${key.account}/${key.region}/${key.app}/${key.stage}`;
}

export function sameStage(a: StageKey, b: StageKey): boolean {
  return a.account === b.account && a.region === b.region && a.app === b.app && a.stage === b.stage;
}

/** Every part is one SST (and AWS) could have written: the check before a name reaches CodeBuild or Slack. */
export function isValidStageKey(key: StageKey): boolean {
  return (
    ACCOUNT_ID.test(key.account) &&
    REGION.test(key.region) &&
    isValidAppName(key.app) &&
    isValidStageName(key.stage)
  );
}

/** Just the four key fields, from anything that carries them (a planned stage, a record, an outcome). */
export function keyOf(key: StageKey): StageKey {
  return { account: key.account, region: key.region, app: key.app, stage: key.stage };
}
