// The ledger: per-stage records, run snapshots, cached costs, removal outcomes and the append-only audit log.
// It is the audit trail, so it outlives the stage: retained on `sst remove` of any stage, never emptied by a
// replacement, and versioned so that an overwritten record can still be read back.
export const ledger = new sst.aws.Bucket(
  "Ledger",
  {
    versioning: true,
    transform: { bucket: { forceDestroy: false } },
  },
  { retainOnDelete: true },
);
