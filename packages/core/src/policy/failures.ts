import type { SourceFailure } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";
import { clean } from "./text.js";

/** Sources without which a stage's facts may be partial. Cost and GitHub only enrich the plan. */
export const BLOCKING_SOURCES: ReadonlySet<SourceFailure["source"]> = new Set([
  "bootstrap",
  "state",
  "lock",
  "tagging",
]);

/** The first failed read that covers this stage's account (and region, when the failure names one). */
export function blockingFailure(
  failures: readonly SourceFailure[],
  key: StageKey,
): SourceFailure | undefined {
  return failures.find(
    (failure) =>
      BLOCKING_SOURCES.has(failure.source) &&
      failure.account === key.account &&
      (failure.region === undefined || failure.region === key.region),
  );
}

export function describeFailure(failure: SourceFailure): string {
  const where = failure.region ? `${failure.account}/${failure.region}` : failure.account;
  return `the ${failure.source} read for ${where} failed (${clean(failure.message)})`;
}
