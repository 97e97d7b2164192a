export { type Block, MessageBuilder, SLACK_LIMITS, type SlackMessage } from "./blocks.js";
export { dashboardHtml } from "./dashboard/page.js";
export { gatherReport, type ReportData, reportWithoutHistory } from "./data.js";
export {
  type DigestDelivery,
  deliverDigest,
  PENDING_PREFIX,
  pendingDigests,
  SENT_PREFIX,
} from "./deliver.js";
export { type Digest, type DigestOptions, digestBlocks } from "./digest.js";
export { type ReportFiles, writeReportFiles } from "./files.js";
export { AVOIDED_DAYS, avoidedPer30Days } from "./format.js";
export { HISTORY_DAYS, type Removal } from "./history.js";
export { DASHBOARD_KEY, LINK_SECONDS, publishDashboard } from "./publish.js";
export {
  buildReport,
  latestReport,
  publishReport,
  type ReportDelivery,
  type ReportOptions,
  snapshotOfRun,
} from "./report.js";
export { explainSlackError, type SlackOptions, slackClient } from "./slack.js";
export { digestText } from "./text.js";
