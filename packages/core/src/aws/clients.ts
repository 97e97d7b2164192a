import { CodeBuildClient } from "@aws-sdk/client-codebuild";
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * One place that builds the real SDK clients. Endpoints and default credentials come from the standard SDK
 * configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, profiles, ...); an account reached through an assumed
 * role passes its own credentials.
 */
export interface Target {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

const SOCKETS = 128;

function common(target: Target) {
  return {
    region: target.region,
    ...(target.credentials ? { credentials: target.credentials } : {}),
    // Reads fan out widely; the SDK's default of 50 sockets would queue them.
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: SOCKETS, keepAlive: true } }),
    // No command adds middleware of its own: resolve each command's middleware stack once, not per request
    // (a tenth of the CPU of a state read).
    cacheMiddleware: true,
  };
}

export const s3Client = (t: Target) => new S3Client({ ...common(t), followRegionRedirects: true });
export const ssmClient = (t: Target) => new SSMClient(common(t));
export const stsClient = (t: Target) => new STSClient(common(t));
export const taggingClient = (t: Target) => new ResourceGroupsTaggingAPIClient(common(t));
// Cost Explorer is global: every region's endpoint is us-east-1's.
export const costExplorerClient = (t: Target) =>
  new CostExplorerClient({ ...common(t), region: "us-east-1" });
export const codebuildClient = (t: Target) => new CodeBuildClient(common(t));
export const sqsClient = (t: Target) => new SQSClient(common(t));

/** The message of an SDK or network error, for reports ("AccessDenied: ..."). */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
