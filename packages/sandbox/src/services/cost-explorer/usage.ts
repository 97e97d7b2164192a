import { type Money, moneyToFixed10 } from "@stagekeeper/core/money";
import { buckets, type Day, eachDay, firstOfNextMonth, parsePeriod } from "./calendar.js";
import { compile, dimension, type Predicate } from "./expression.js";
import { validation } from "./input.js";
import type { Ledger, LineItem } from "./ledger.js";
import { offsetOf, requestHash, seal } from "./tokens.js";

/** The sandbox has no discounts, credits or blended rates: every cost metric is the same amount. */
export const COST_METRICS = new Set([
  "AmortizedCost",
  "BlendedCost",
  "NetAmortizedCost",
  "NetUnblendedCost",
  "UnblendedCost",
]);
/** Valid, but the sandbox's spend carries no usage quantities: they answer 0 with Unit "N/A". */
const USAGE_METRICS = new Set(["NormalizedUsageAmount", "UsageQuantity"]);

interface Group {
  keys: string[];
  amount: Money;
}

interface Bucket {
  start: Day;
  end: Day;
  estimated: boolean;
  total: Money;
  groups: Group[];
}

type Input = Record<string, unknown>;

/**
 * GetCostAndUsage over one account's ledger. Pages hold up to `groupsPerPage()` groups in time order; a day
 * whose groups straddle two pages appears on both with its share, as real CE does. Ungrouped results have no
 * groups and are never paged. Continuation pages reuse the buckets computed for the first page of the walk.
 */
export function costAndUsage(ledger: Ledger, groupsPerPage: () => number) {
  const walks = new Map<string, Bucket[]>();

  return (input: Input, account: string) => {
    const request = validate(input, ledger.today());
    const hash = requestHash("GetCostAndUsage", account, input, "NextPageToken");
    const offset = offsetOf(input.NextPageToken, hash, true);
    const walk = `${hash}/${ledger.today()}`;
    let results = offset > 0 ? walks.get(walk) : undefined;
    if (!results) {
      results = compute(ledger, account, request);
      walks.set(walk, results);
      if (walks.size > 16) walks.delete(walks.keys().next().value as string);
    }
    const size = groupsPerPage();
    const total = results.reduce((n, bucket) => n + bucket.groups.length, 0);
    const metrics = (amount: Money) => metricValues(request.metrics, amount);
    const page: unknown[] = [];
    let before = 0;
    for (const bucket of results) {
      const period = { TimePeriod: { Start: bucket.start, End: bucket.end } };
      const n = bucket.groups.length;
      // A bucket without groups rides with the page holding the group just before it.
      const onPage =
        n === 0
          ? (offset === 0 && before === 0) || (before > offset && before <= offset + size)
          : before + n > offset && before < offset + size;
      if (onPage) {
        const groups = bucket.groups.slice(Math.max(offset - before, 0), Math.min(offset + size - before, n));
        page.push({
          ...period,
          Total: request.readers.length ? {} : metrics(bucket.total),
          Groups: groups.map((group) => ({ Keys: group.keys, Metrics: metrics(group.amount) })),
          Estimated: bucket.estimated,
        });
      }
      before += n;
    }
    return {
      ...(request.groupBy.length ? { GroupDefinitions: request.groupBy } : {}),
      ResultsByTime: page,
      DimensionValueAttributes: [],
      ...(offset + size < total ? { NextPageToken: seal({ offset: offset + size, request: hash }) } : {}),
    };
  };
}

export function metricValues(names: string[], amount: Money) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      COST_METRICS.has(name) ? { Amount: moneyToFixed10(amount), Unit: "USD" } : { Amount: "0", Unit: "N/A" },
    ]),
  );
}

function compute(ledger: Ledger, account: string, request: ReturnType<typeof validate>): Bucket[] {
  return buckets(request.start, request.end, request.granularity).map(({ start, end }) => {
    let total = 0n;
    let estimated = false;
    const groups = new Map<string, Group>();
    for (const day of eachDay(start, end)) {
      estimated ||= ledger.isEstimated(day);
      for (const item of ledger.items(account, day)) {
        if (!request.matches(item)) continue;
        total += item.amount;
        if (request.readers.length === 0) continue;
        const keys = request.readers.map((read) => read(item));
        const id = keys.join("\u0000");
        const group = groups.get(id) ?? { keys, amount: 0n };
        group.amount += item.amount;
        groups.set(id, group);
      }
    }
    const kept = [...groups.entries()]
      .filter(([, group]) => group.amount !== 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, group]) => group);
    return { start, end, estimated, total, groups: kept };
  });
}

function validate(input: Input, today: Day) {
  const { start, end } = parsePeriod(input.TimePeriod);
  const granularity = input.Granularity;
  if (granularity === "HOURLY") {
    throw validation(
      "Hourly granularity is not enabled for this account. Enable it in the Cost Explorer preferences.",
    );
  }
  if (granularity !== "DAILY" && granularity !== "MONTHLY") {
    throw validation(`Granularity must be one of DAILY, MONTHLY or HOURLY, not ${String(granularity)}.`);
  }
  const metrics = metricNames(input.Metrics);
  const groupBy = (input.GroupBy ?? []) as { Type?: unknown; Key?: unknown }[];
  if (!Array.isArray(groupBy)) throw validation("GroupBy must be a list of group definitions.");
  if (groupBy.length > 2) {
    throw validation(
      `You can group by up to two dimensions, tags or cost categories; GroupBy has ${groupBy.length}.`,
    );
  }
  const readers = groupBy.map(groupReader);
  const matches: Predicate = input.Filter === undefined ? () => true : compile(input.Filter);
  if (start >= end) throw validation("Start date (and hour) should be before end date (and hour)");
  if (start > today) {
    throw validation(`Start date ${start} must be equal to or earlier than the current date ${today}.`);
  }
  if (end > firstOfNextMonth(today)) throw validation("end date past the beginning of next month");
  return {
    start,
    end,
    granularity: granularity as "DAILY" | "MONTHLY",
    metrics,
    groupBy: groupBy.map(({ Type, Key }) => ({ Type, Key })),
    readers,
    matches,
  };
}

export function metricNames(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw validation("Metrics must contain at least one metric.");
  }
  for (const name of value) {
    if (!COST_METRICS.has(name) && !USAGE_METRICS.has(name)) {
      throw validation(
        `Metric ${String(name)} is not valid. Valid metrics are ${[...COST_METRICS, ...USAGE_METRICS].join(", ")}.`,
      );
    }
  }
  return value as string[];
}

function groupReader({ Type, Key }: { Type?: unknown; Key?: unknown }): (item: LineItem) => string {
  if (Type === "TAG") {
    if (typeof Key !== "string" || Key === "") throw validation("Group Definition key is invalid.");
    return (item) => `${Key}$${item.tags[Key] ?? ""}`;
  }
  if (Type === "DIMENSION") return dimension(Key);
  if (Type === "COST_CATEGORY") throw validation("The sandbox does not model cost categories.");
  throw validation("Group Definition type is invalid.");
}
