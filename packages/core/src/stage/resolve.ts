import { ACCOUNT_ID, isValidAppName, isValidStageName, REGION, type StageKey } from "./key.js";

/** What a person typed to name a stage: `[ACCOUNT/][REGION/]APP/STAGE`, or a bare STAGE. */
export interface StageRef {
  account?: string;
  region?: string;
  app?: string;
  stage: string;
}

/** Parses a reference; undefined for anything SST could not have written (hostile names included). */
export function parseStageRef(text: string): StageRef | undefined {
  if (text.length > 300) return undefined;
  const parts = text.split("/");
  if (parts.some((p) => p === "")) return undefined;
  let ref: StageRef | undefined;
  if (parts.length === 1) ref = { stage: parts[0] as string };
  else if (parts.length === 2) ref = { app: parts[0] as string, stage: parts[1] as string };
  else if (parts.length === 3) {
    const [first, app, stage] = parts as [string, string, string];
    if (ACCOUNT_ID.test(first)) ref = { account: first, app, stage };
    else if (REGION.test(first)) ref = { region: first, app, stage };
  } else if (parts.length === 4) {
    const [account, region, app, stage] = parts as [string, string, string, string];
    if (ACCOUNT_ID.test(account) && REGION.test(region)) ref = { account, region, app, stage };
  }
  if (!ref || !isValidStageName(ref.stage) || (ref.app !== undefined && !isValidAppName(ref.app)))
    return undefined;
  return ref;
}

export type Resolution<T> = { ok: true; stage: T } | { ok: false; candidates: T[] };

/**
 * The one known stage a reference names; otherwise every candidate (none when nothing matches). Stage names
 * repeat across apps and accounts: anything but exactly one match is an answer, not a guess.
 */
export function resolveRef<T extends StageKey>(stages: readonly T[], ref: StageRef): Resolution<T> {
  const candidates = stages.filter(
    (s) =>
      s.stage === ref.stage &&
      (ref.app === undefined || s.app === ref.app) &&
      (ref.region === undefined || s.region === ref.region) &&
      (ref.account === undefined || s.account === ref.account),
  );
  const [only] = candidates;
  return candidates.length === 1 && only ? { ok: true, stage: only } : { ok: false, candidates };
}
