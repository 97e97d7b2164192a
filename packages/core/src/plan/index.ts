export { applyRemovalCap, removalOrder } from "./cap.js";
export { decide, totalsOf } from "./decide.js";
export {
  type CostTotalsJson,
  PLAN_SCHEMA_VERSION,
  type PlanJson,
  type PlannedStageJson,
  planToJson,
  type StageCostJson,
} from "./json.js";
export { renderPlanTable } from "./table.js";
export type {
  CostTagWarning,
  CostTotals,
  DecideInput,
  OrphanGroup,
  Plan,
  PlannedStage,
  PlanTotals,
  UntaggedCost,
} from "./types.js";
