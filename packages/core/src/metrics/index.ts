export { type CallCounter, countApiCalls } from "./calls.js";
export {
  emitMetrics,
  inLambda,
  type MetricGroup,
  NAMESPACE,
  type RunFigures,
  runMetricGroups,
  startRunMetrics,
} from "./emf.js";
