// What each function may do, statement by statement. Functions get exactly the groups they need (see the
// table in docs/deploy.md); nothing here is granted through `link`, because SST's links grant `s3:*` on a
// linked bucket and `sqs:*` on a linked queue.
import { targetRoles } from "./config";

type Permission = sst.aws.FunctionPermissionArgs;

/** Read and write the ledger: records are rewritten with If-Match / If-None-Match, nothing is deleted. */
export function ledgerReadWrite(bucketArn: $util.Input<string>): Permission[] {
  return [
    { actions: ["s3:ListBucket"], resources: [bucketArn] },
    { actions: ["s3:GetObject", "s3:PutObject"], resources: [$interpolate`${bucketArn}/*`] },
  ];
}

/**
 * Find and read SST state in this account (SST-FACTS.md): the `/sst/bootstrap` parameter of every region and
 * the state buckets `sst-state-*`. Read only. The scan and the safety gate need it.
 */
export const stateReads: Permission[] = [
  { actions: ["ssm:GetParameter"], resources: ["arn:aws:ssm:*:*:parameter/sst/bootstrap"] },
  { actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::sst-state-*"] },
  { actions: ["s3:GetObject"], resources: ["arn:aws:s3:::sst-state-*/*"] },
];

/** Tagged resources (orphans, resource counts); the Tagging API has no resource-level permissions. */
export const tagReads: Permission[] = [{ actions: ["tag:GetResources"], resources: ["*"] }];

/** Cost Explorer has no resource-level permissions: these three reads are granted on "*". */
export const costReads: Permission[] = [
  {
    actions: ["ce:GetCostAndUsage", "ce:GetCostForecast", "ce:ListCostAllocationTags"],
    resources: ["*"],
  },
];

/** Assume the configured `accounts[].roleArn`, and nothing else; no statement at all when none is configured. */
export const assumeTargetRoles: Permission[] =
  targetRoles.length > 0 ? [{ actions: ["sts:AssumeRole"], resources: targetRoles }] : [];

export function sendToQueue(queueArn: $util.Input<string>): Permission[] {
  return [{ actions: ["sqs:SendMessage"], resources: [queueArn] }];
}
