import { z } from "zod";

/**
 * The contract between Stagekeeper's removal worker and a removal build (issue 4): the environment the worker
 * passes to StartBuild, and the outcome record the build writes. Our buildspec (buildspec/remove.yml) and the
 * sandbox's CodeBuild honour the same contract; both sides import these names from here, and this module
 * imports nothing of Stagekeeper's so that the sandbox can load it on its own.
 */
export const REMOVAL_ENV = {
  /** The stage to remove; also what `sst remove` reads. */
  stage: "SST_STAGE",
  /** The app name the checked-out repository must declare. */
  app: "STAGEKEEPER_APP",
  /** The account the build must act in (after assuming the role). */
  account: "STAGEKEEPER_ACCOUNT",
  region: "STAGEKEEPER_REGION",
  /** Optional: without it the build acts in the project's own account. */
  roleArn: "STAGEKEEPER_ROLE_ARN",
  /** Stagekeeper's removal id; SST writes it into the lock and the update record. */
  runId: "SST_RUN_ID",
  /** The bucket the outcome record goes to, under `outcome/<SST_RUN_ID>.json`. */
  ledgerBucket: "STAGEKEEPER_LEDGER_BUCKET",
  /** "1": never read a local AWS profile. */
  noProfile: "SST_AWS_NO_PROFILE",
  /** "1": SST sends no telemetry from our builds. */
  telemetryDisabled: "SST_TELEMETRY_DISABLED",
  /** "1": SST prints its logs, so the build log (and the outcome's excerpt) shows what failed. */
  printLogs: "SST_PRINT_LOGS",
} as const;
export type RemovalEnvName = (typeof REMOVAL_ENV)[keyof typeof REMOVAL_ENV];

export const OUTCOMES = ["removed", "not-found", "protected", "locked", "mismatch", "failed"] as const;
export type RemovalOutcome = (typeof OUTCOMES)[number];

/** The longest log excerpt an outcome record carries (characters). */
export const LOG_EXCERPT_MAX = 8000;

/** What a removal build writes to `s3://<STAGEKEEPER_LEDGER_BUCKET>/outcome/<SST_RUN_ID>.json`. */
export const outcomeRecordSchema = z.object({
  removalId: z.string().min(1).max(64),
  outcome: z.enum(OUTCOMES),
  account: z.string(),
  region: z.string(),
  app: z.string(),
  stage: z.string(),
  /** The CodeBuild build id, `<project>:<uuid>`. */
  buildId: z.string(),
  /** ISO-8601. */
  finishedAt: z.string(),
  message: z.string(),
  /** A short excerpt of what the build printed (its last lines). */
  log: z.string(),
});
export type OutcomeRecord = z.infer<typeof outcomeRecordSchema>;

/** The ledger prefix removal builds write to (and the only one their role may write). */
export const OUTCOME_PREFIX = "outcome/";

export function outcomeKey(removalId: string): string {
  return `${OUTCOME_PREFIX}${removalId}.json`;
}

/** SST's own wording (cmd/sst errors and UI), which people and Stagekeeper recognise. */
export const SST_MESSAGES = {
  notFound: "Stage not found",
  protected:
    "Cannot remove protected stage. To remove a protected stage edit your sst.config.ts and remove the `protect` property.",
  locked: "A concurrent update was detected on the app. Run `sst unlock` to remove the lock and try again.",
} as const;

/** The one command a removal build runs against the app; the buildspec must contain it exactly. */
export const REMOVE_COMMAND = 'npx --no-install sst remove --stage "$SST_STAGE"';
