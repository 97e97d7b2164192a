import { type Money, moneyToFixed10, scaleMoney } from "@stagekeeper/core/money";
import { ServiceError } from "../../http.js";
import { addDays, buckets, daysBetween, eachDay, parsePeriod } from "./calendar.js";
import { compile, type Predicate } from "./expression.js";
import { validation, wholeNumber } from "./input.js";
import type { Ledger } from "./ledger.js";

const METRICS = new Set([
  "AMORTIZED_COST",
  "BLENDED_COST",
  "NET_AMORTIZED_COST",
  "NET_UNBLENDED_COST",
  "UNBLENDED_COST",
]);
/** Days of final data the run rate looks back over. */
const RUN_RATE_DAYS = 7;

/**
 * GetCostForecast as a run rate: the mean daily spend (matching the filter) over the last seven final days,
 * counting only the days that had any spend, times the days of each period. The prediction interval is the
 * mean ±10% whatever PredictionIntervalLevel asks for.
 */
export function costForecast(ledger: Ledger) {
  return (input: Record<string, unknown>, account: string) => {
    const { start, end } = parsePeriod(input.TimePeriod);
    const metric = input.Metric;
    if (typeof metric !== "string" || !METRICS.has(metric)) {
      throw validation(
        `Metric must be one of ${[...METRICS].join(", ")}; the sandbox does not forecast usage.`,
      );
    }
    const granularity = input.Granularity;
    if (granularity !== "DAILY" && granularity !== "MONTHLY") {
      throw validation("Granularity must be DAILY or MONTHLY for forecasts.");
    }
    const level = input.PredictionIntervalLevel;
    if (level !== undefined && !wholeNumber(level, 51, 99)) {
      throw validation("PredictionIntervalLevel must be between 51 and 99.");
    }
    const matches: Predicate = input.Filter === undefined ? () => true : compile(input.Filter);
    if (start >= end) throw validation(`Requested Start: ${start} must be before requested End: ${end}`);
    const today = ledger.today();
    if (start < today) {
      throw validation(`Requested Start: ${start} must be on or after the current date: ${today}`);
    }

    const lastFinal = addDays(today, -2);
    let spend = 0n;
    let daysWithSpend = 0n;
    for (const day of eachDay(addDays(lastFinal, -RUN_RATE_DAYS), lastFinal)) {
      const daily = ledger
        .items(account, day)
        .filter(matches)
        .reduce((sum, item) => sum + item.amount, 0n);
      spend += daily;
      if (daily !== 0n) daysWithSpend++;
    }
    if (daysWithSpend === 0n) {
      throw new ServiceError(
        "DataUnavailableException",
        "Insufficient amount of historical data to generate forecast.",
      );
    }
    const forecast = (days: number): Money => scaleMoney(spend, BigInt(days), daysWithSpend);
    return {
      Total: { Amount: moneyToFixed10(forecast(daysBetween(start, end))), Unit: "USD" },
      ForecastResultsByTime: buckets(start, end, granularity).map((period) => {
        const mean = forecast(daysBetween(period.start, period.end));
        return {
          TimePeriod: { Start: period.start, End: period.end },
          MeanValue: moneyToFixed10(mean),
          PredictionIntervalLowerBound: moneyToFixed10(scaleMoney(mean, 9n, 10n)),
          PredictionIntervalUpperBound: moneyToFixed10(scaleMoney(mean, 11n, 10n)),
        };
      }),
    };
  };
}
