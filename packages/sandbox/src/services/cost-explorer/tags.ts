import type { Estate } from "../../estate/estate.js";
import { addDays, eachDay, firstOfNextMonth, parsePeriod } from "./calendar.js";
import { compile, type Predicate } from "./expression.js";
import { validation, wholeNumber } from "./input.js";
import type { Ledger } from "./ledger.js";
import { offsetOf, requestHash, seal } from "./tokens.js";
import { metricNames } from "./usage.js";

type Input = Record<string, unknown>;

interface CostAllocationTag {
  TagKey: string;
  Type: "AWSGenerated" | "UserDefined";
  Status: "Active" | "Inactive";
  LastUpdatedDate: string;
  LastUsedDate?: string;
}

/** AWS offers this one to every account; it stays inactive unless someone activates it. */
const AWS_GENERATED = ["aws:createdBy"];

/**
 * ListCostAllocationTags: the account's sst:* tags with their seeded status, every other key its resources
 * carry (inactive), and aws:createdBy; in key order, paged by NextToken/MaxResults (1–1000, default 100).
 */
export function costAllocationTags(estate: Estate, ledger: Ledger) {
  return (input: Input, account: string) => {
    const status = input.Status;
    if (status !== undefined && status !== "Active" && status !== "Inactive") {
      throw validation("Status must be Active or Inactive.");
    }
    const type = input.Type;
    if (type !== undefined && type !== "AWSGenerated" && type !== "UserDefined") {
      throw validation("Type must be AWSGenerated or UserDefined.");
    }
    const keys = input.TagKeys as unknown[] | undefined;
    if (keys !== undefined && !(Array.isArray(keys) && keys.length >= 1 && keys.length <= 100)) {
      throw validation("TagKeys must list between 1 and 100 keys.");
    }
    const max = input.MaxResults ?? 100;
    if (!wholeNumber(max, 1, 1000)) throw validation("MaxResults must be between 1 and 1000.");
    const hash = requestHash("ListCostAllocationTags", account, input, "NextToken");
    const offset = offsetOf(input.NextToken, hash, false);

    const owner = estate.accounts.get(account);
    const streams = [...estate.costs.values()].filter((stream) => stream.account === account);
    const firstSpend = streams.map((stream) => stream.from).sort()[0] ?? ledger.today();
    const lastData = `${addDays(ledger.today(), -1)}T00:00:00Z`;
    const catalog = new Map<string, CostAllocationTag>();
    const add = (TagKey: string, Type: CostAllocationTag["Type"], Status: CostAllocationTag["Status"]) => {
      const tag: CostAllocationTag = { TagKey, Type, Status, LastUpdatedDate: `${firstSpend}T00:00:00Z` };
      catalog.set(TagKey, tag);
      return tag;
    };
    for (const key of AWS_GENERATED) add(key, "AWSGenerated", "Inactive");
    for (const resource of estate.accountResources(account).values()) {
      for (const key of Object.keys(resource.tags)) add(key, "UserDefined", "Inactive");
    }
    // The sst tags are on the spend itself, so billing has seen them up to the last day with data.
    for (const [key, tagStatus] of Object.entries(owner?.costTags ?? {})) {
      const tag = add(key, "UserDefined", tagStatus);
      if (streams.length) tag.LastUsedDate = lastData;
    }
    const listed = [...catalog.values()]
      .filter(
        (tag) => (status === undefined || tag.Status === status) && (type === undefined || tag.Type === type),
      )
      .filter((tag) => keys === undefined || keys.includes(tag.TagKey))
      .sort((a, b) => (a.TagKey < b.TagKey ? -1 : a.TagKey > b.TagKey ? 1 : 0));
    const end = offset + max;
    return {
      CostAllocationTags: listed.slice(offset, end),
      ...(end < listed.length ? { NextToken: seal({ offset: end, request: hash }) } : {}),
    };
  };
}

/** Tags GetTags returns per page; the real page size is not documented. */
const TAGS_PER_PAGE = 1000;

/**
 * GetTags over the days with data in the period: without TagKey the active tag keys that spend carries, with
 * TagKey that key's values ("" for spend without it). SortBy orders by spend; MaxResults then cuts the list.
 */
export function tagsInPeriod(estate: Estate, ledger: Ledger) {
  return (input: Input, account: string) => {
    const { start, end } = parsePeriod(input.TimePeriod);
    if (start >= end) throw validation("Start date (and hour) should be before end date (and hour)");
    if (end > firstOfNextMonth(ledger.today())) throw validation("end date past the beginning of next month");
    const matches: Predicate = input.Filter === undefined ? () => true : compile(input.Filter);
    const tagKey = input.TagKey;
    if (tagKey !== undefined && (typeof tagKey !== "string" || tagKey === "")) {
      throw validation("TagKey is invalid.");
    }
    const search = typeof input.SearchString === "string" ? input.SearchString : "";
    const sortBy = (input.SortBy ?? []) as { Key?: unknown; SortOrder?: unknown }[];
    if (sortBy.length > 0 && (search || input.NextPageToken !== undefined)) {
      throw validation("When you use SortBy, NextPageToken and SearchString aren't supported.");
    }
    if (sortBy.length > 0) metricNames(sortBy.map((sort) => sort.Key));
    const max = input.MaxResults;
    if (max !== undefined && !(sortBy.length > 0 && wholeNumber(max, 1, 1000))) {
      throw validation("MaxResults is only supported with SortBy, and must be between 1 and 1000.");
    }

    const spend = new Map<string, bigint>();
    for (const day of eachDay(start, end)) {
      for (const item of ledger.items(account, day)) {
        if (!matches(item)) continue;
        const names = typeof tagKey === "string" ? [item.tags[tagKey] ?? ""] : Object.keys(item.tags);
        for (const name of names) spend.set(name, (spend.get(name) ?? 0n) + item.amount);
      }
    }
    // Only active tags reach billing data: an inactive or unknown key has no values at all.
    const costTags: Record<string, string> = estate.accounts.get(account)?.costTags ?? {};
    const active = typeof tagKey !== "string" || costTags[tagKey] === "Active";
    let tags = active ? [...spend.keys()].filter((name) => name.includes(search)).sort() : [];
    if (sortBy[0]) {
      const descending = sortBy[0].SortOrder !== "ASCENDING";
      tags.sort((a, b) => {
        const diff = (spend.get(a) ?? 0n) - (spend.get(b) ?? 0n);
        return (diff === 0n ? 0 : diff > 0n ? 1 : -1) * (descending ? -1 : 1);
      });
      tags = tags.slice(0, max ?? 1000);
    }
    const hash = requestHash("GetTags", account, input, "NextPageToken");
    const offset = offsetOf(input.NextPageToken, hash, true);
    const page = tags.slice(offset, offset + TAGS_PER_PAGE);
    return {
      Tags: page,
      ReturnSize: page.length,
      TotalSize: tags.length,
      ...(offset + TAGS_PER_PAGE < tags.length
        ? { NextPageToken: seal({ offset: offset + TAGS_PER_PAGE, request: hash }) }
        : {}),
    };
  };
}
