import type { Money } from "@stagekeeper/core/money";
import type { Estate } from "../../estate/estate.js";
import { addDays, type Day, dayOf } from "./calendar.js";

/*
 * What Cost Explorer knows, on the sandbox clock (UTC). docs/sandbox.md states the same rule.
 *
 * - Data lags a day: a day D has data once the clock has passed the end of D, i.e. D < today. Today's bucket,
 *   and any later day a period reaches, comes back with no groups and a zero total.
 * - A day is Estimated until the clock reaches D + 3 days 00:00 UTC: today, yesterday and the day before are
 *   Estimated, earlier days are final. A MONTHLY bucket is Estimated if any of its days is.
 * - A period may not start after today, and may end at most on the first day of next month (as real CE:
 *   "end date past the beginning of next month"). GetCostForecast periods start today or later instead.
 * - Every cost allocation tag the account has not activated is invisible: such spend groups under `key$` and
 *   is ABSENT for filters, as if the resources were untagged.
 */

/** One account's spend on one day under one set of active cost allocation tags. */
export interface LineItem {
  account: string;
  tags: Record<string, string>;
  amount: Money;
}

export class Ledger {
  constructor(private readonly estate: Estate) {}

  today(): Day {
    return dayOf(this.estate.clock.now());
  }

  hasData(day: Day): boolean {
    return day < this.today();
  }

  isEstimated(day: Day): boolean {
    return day >= addDays(this.today(), -2);
  }

  /** The account's line items for one day, empty while the day has no data. */
  items(account: string, day: Day): LineItem[] {
    const owner = this.estate.accounts.get(account);
    if (!owner || !this.hasData(day)) return [];
    const active = (key: string) => owner.costTags[key as keyof typeof owner.costTags] === "Active";
    const items: LineItem[] = [];
    for (const stream of this.estate.costs.values()) {
      if (stream.account !== account) continue;
      const amount = this.estate.costOn(stream, day);
      if (amount === 0n) continue;
      const tags: Record<string, string> = {};
      if (stream.app && active("sst:app")) tags["sst:app"] = stream.app;
      if (stream.stage && active("sst:stage")) tags["sst:stage"] = stream.stage;
      items.push({ account, tags, amount });
    }
    if (owner.untaggedDaily !== 0n) items.push({ account, tags: {}, amount: owner.untaggedDaily });
    return items;
  }
}
