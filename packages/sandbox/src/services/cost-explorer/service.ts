import { json, type SandboxRequest, ServiceError } from "../../http.js";
import { awsJsonService, type Caller } from "../aws-json.js";
import type { SandboxContext, Service } from "../service.js";
import { costForecast } from "./forecast.js";
import { Ledger } from "./ledger.js";
import { costAllocationTags, tagsInPeriod } from "./tags.js";
import { costAndUsage } from "./usage.js";

/** Groups per GetCostAndUsage page; AWS does not document its page size. POST /_sandbox/cost-explorer/page-size. */
export const DEFAULT_GROUPS_PER_PAGE = 500;

/**
 * Cost Explorer (WIRE.md §1): global, so the signing region is ignored; each account sees only its own spend,
 * read from the estate's cost streams and untagged spend with the availability rule of ledger.ts.
 */
export function costExplorerService(ctx: SandboxContext): Service {
  const ledger = new Ledger(ctx.estate);
  let groupsPerPage = DEFAULT_GROUPS_PER_PAGE;
  let unavailableCalls = 0;

  /** DataUnavailableException, injected for the next N calls of the operations that model it. */
  const withData =
    (run: (input: Record<string, unknown>, account: string) => unknown) =>
    (input: Record<string, unknown>, caller: Caller) => {
      if (unavailableCalls > 0) {
        unavailableCalls--;
        throw new ServiceError(
          "DataUnavailableException",
          "Data is not available. Please try to adjust the time period. If just enabled Cost Explorer, data might not be ingested yet",
        );
      }
      return run(input, caller.principal.account);
    };
  const listCostAllocationTags = costAllocationTags(ctx.estate, ledger);

  return awsJsonService(ctx, {
    name: "cost-explorer",
    target: "AWSInsightsIndexService",
    throttlingCode: "LimitExceededException",
    operations: {
      GetCostAndUsage: withData(costAndUsage(ledger, () => groupsPerPage)),
      GetCostForecast: withData(costForecast(ledger)),
      GetTags: withData(tagsInPeriod(ctx.estate, ledger)),
      ListCostAllocationTags: (input, caller) => listCostAllocationTags(input, caller.principal.account),
    },
    control: {
      "POST /_sandbox/cost-explorer/page-size": (req: SandboxRequest) => {
        const groups = body(req).groups;
        if (!isCount(groups) || groups === 0) return json(400, { error: 'send {"groups": N}, N ≥ 1' });
        groupsPerPage = groups;
        return json(200, { groups });
      },
      "POST /_sandbox/cost-explorer/unavailable": (req: SandboxRequest) => {
        const count = body(req).count;
        if (!isCount(count)) return json(400, { error: 'send {"count": N}, N ≥ 0 calls to fail' });
        unavailableCalls = count;
        return json(200, { count });
      },
    },
  });
}

function body(req: SandboxRequest): Record<string, unknown> {
  try {
    return JSON.parse(req.body.toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    return {};
  }
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
