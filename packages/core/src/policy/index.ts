export {
  countedWarning,
  DECISIONS,
  type Decision,
  decideStage,
  type KeepOverride,
  type StageContext,
  type StageVerdict,
} from "./decision.js";
export { type Expiry, type ExpiryTrigger, expiryOf, type PullRequestState } from "./expiry.js";
export { BLOCKING_SOURCES, blockingFailure, describeFailure } from "./failures.js";
export { type Classification, classify, classifyStage } from "./kinds.js";
export { formatTime, wholeDaysSince } from "./text.js";
