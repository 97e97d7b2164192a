// The ledger: per-stage records, run snapshots, cached costs, removal outcomes and the append-only audit log.
// It is the audit trail, so it outlives the stage: retained on `sst remove` of any stage, never emptied by a
// replacement, and versioned so that an overwritten record can still be read back.
import { DELIVERIES_PREFIX } from "../packages/core/src/github/deliveries.js";
import { CLICKS_PREFIX } from "../packages/core/src/slack/actions.js";

/**
 * Dedupe records, one per Slack click and one per GitHub delivery, matter only while a retry can come: Slack
 * retries within minutes, GitHub redelivers up to 3 days back. After 30 days they go, with their older
 * versions, so these prefixes do not grow forever. Nothing else in the ledger expires.
 */
export const DEDUPE_DAYS = 30;

export const ledger = new sst.aws.Bucket(
  "Ledger",
  {
    versioning: true,
    lifecycle: [
      { id: "expire-slack-clicks", prefix: CLICKS_PREFIX, expiresIn: `${DEDUPE_DAYS} days` },
      { id: "expire-github-deliveries", prefix: DELIVERIES_PREFIX, expiresIn: `${DEDUPE_DAYS} days` },
    ],
    transform: {
      bucket: { forceDestroy: false },
      // SST's rules expire current versions only, which in a versioned bucket leaves the old versions behind a
      // delete marker: those go a day after they stop being current, and then S3 drops the lone delete marker.
      lifecycle: (args) => {
        args.rules = $output(args.rules).apply((rules) =>
          (rules ?? []).map((rule) => ({ ...rule, noncurrentVersionExpiration: { noncurrentDays: 1 } })),
        );
      },
    },
  },
  { retainOnDelete: true },
);
