import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export const DASHBOARD_KEY = "dashboard/index.html";
/** The longest a SigV4 presigned URL may live. */
export const LINK_SECONDS = 7 * 24 * 3600;

/**
 * Writes the dashboard to the ledger bucket and answers a presigned GET URL valid 7 days from `now`. The
 * dashboard is derived (rebuilt by every run), so it is written plainly, not with the ledger's conditional
 * writes. A URL signed with temporary credentials (a Lambda role) stops working when they expire, whatever
 * its X-Amz-Expires: `slack.dashboardUrl` in the config gives a stable link instead (docs/digest.md).
 */
export async function publishDashboard(
  s3: S3Client,
  bucket: string,
  html: string,
  now: Date,
): Promise<string> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: DASHBOARD_KEY,
      Body: html,
      ContentType: "text/html; charset=utf-8",
      CacheControl: "no-store",
    }),
  );
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: DASHBOARD_KEY }), {
    expiresIn: LINK_SECONDS,
    signingDate: now,
  });
}
