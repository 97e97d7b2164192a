import { isValidAppName, isValidStageName } from "../stage/key.js";

/** A key of SST's state bucket that Stagekeeper reads (SST-FACTS.md). */
export type StateKey =
  | { kind: "app" | "lock"; app: string; stage: string }
  | { kind: "update"; app: string; stage: string; id: string };

const PATTERNS = {
  app: /^app\/([^/]+)\/([^/]+)\.json$/,
  lock: /^lock\/([^/]+)\/([^/]+)\.json$/,
  update: /^update\/([^/]+)\/([^/]+)\/([^/]+)\.json$/,
} as const;

/** Parses a key; a key of the expected kind whose names SST could not have written is malformed. */
export function parseStateKey(kind: keyof typeof PATTERNS, key: string): StateKey | { malformed: string } {
  const match = PATTERNS[kind].exec(key);
  if (!match) return { malformed: `not an SST ${kind} key` };
  const [, app = "", stage = "", id = ""] = match;
  if (!isValidAppName(app))
    return { malformed: `app name ${JSON.stringify(app)} is not a valid SST app name` };
  if (!isValidStageName(stage))
    return { malformed: `stage name ${JSON.stringify(stage)} is not a valid SST stage name` };
  return kind === "update" ? { kind, app, stage, id } : { kind, app, stage };
}

export function pairKey(app: string, stage: string): string {
  return `${app}/${stage}`;
}
