import type { Config, KindRule } from "../config/index.js";
import { RESERVED_KINDS } from "../config/index.js";
import { isValidAppName, isValidStageName } from "../stage/key.js";

export interface Classification {
  /** The first matching rule's name, `other` when none matches, `unknown` for a name SST would not write. */
  kind: string;
  rule?: KindRule;
}

type KindConfig = Pick<Config, "kinds" | "owners" | "personalPattern">;

// Config patterns are compiled once, not once per stage per run.
const compiled = new Map<string, RegExp>();
function regex(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let value = compiled.get(key);
  if (!value) {
    value = new RegExp(source, flags);
    compiled.set(key, value);
  }
  return value;
}

function matches(rule: KindRule, stage: string, config: KindConfig): boolean {
  if (rule.match !== undefined && regex(rule.match, rule.ignoreCase ? "i" : "").test(stage)) return true;
  if (rule.owners !== true) return false;
  if (Object.hasOwn(config.owners, stage)) return true;
  return config.personalPattern !== undefined && regex(config.personalPattern, "").test(stage);
}

/** Ordered rules on the stage name: the first match wins. */
export function classify(stage: string, config: KindConfig): Classification {
  if (!isValidStageName(stage)) return { kind: RESERVED_KINDS.unknown };
  const rule = config.kinds.find((candidate) => matches(candidate, stage, config));
  return rule ? { kind: rule.name, rule } : { kind: RESERVED_KINDS.other };
}

/** Like `classify`, but an app name SST would not write makes the stage unknown too. */
export function classifyStage(key: { app: string; stage: string }, config: KindConfig): Classification {
  return isValidAppName(key.app) ? classify(key.stage, config) : { kind: RESERVED_KINDS.unknown };
}
