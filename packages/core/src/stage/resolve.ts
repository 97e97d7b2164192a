import { ACCOUNT_ID, isValidAppName, isValidStageName, REGION, type StageKey } from "./key.js";

export type Resolution =
  | { ok: true; key: StageKey }
  | { ok: false; problem: "malformed" | "unknown" | "ambiguous"; message: string; candidates: StageKey[] };

/**
 * Resolves what a person typed, `[ACCOUNT/][REGION/]APP/STAGE` or a bare STAGE, against the stages Stagekeeper
 * knows. Anything but exactly one match is an answer, not a guess: stage names repeat across apps and accounts.
 */
export function resolveStage(text: string, known: readonly StageKey[]): Resolution {
  const parts = text.trim().split("/");
  const fail = (
    problem: "malformed" | "unknown" | "ambiguous",
    message: string,
    candidates: StageKey[] = [],
  ) => ({ ok: false, problem, message, candidates }) as const;
  if (text.length > 300 || parts.length > 4 || parts.some((p) => p === "")) {
    return fail("malformed", "write a stage as [ACCOUNT/][REGION/]APP/STAGE, e.g. shop/pr-12");
  }
  const stage = parts.at(-1) ?? "";
  const app = parts.length >= 2 ? parts.at(-2) : undefined;
  const region = parts.length >= 3 ? parts.at(-3) : undefined;
  const account = parts.length === 4 ? parts[0] : undefined;
  if (
    !isValidStageName(stage) ||
    (app !== undefined && !isValidAppName(app)) ||
    (region !== undefined && !REGION.test(region)) ||
    (account !== undefined && !ACCOUNT_ID.test(account))
  ) {
    return fail("malformed", "that is not a stage SST could have written: [ACCOUNT/][REGION/]APP/STAGE");
  }
  const matches = known.filter(
    (k) =>
      k.stage === stage &&
      (app === undefined || k.app === app) &&
      (region === undefined || k.region === region) &&
      (account === undefined || k.account === account),
  );
  const [only] = matches;
  if (matches.length === 1 && only) return { ok: true, key: only };
  if (matches.length === 0) return fail("unknown", `no stage ${text} is known to Stagekeeper`);
  return fail("ambiguous", `${text} matches ${matches.length} stages; name the one you mean`, matches);
}
