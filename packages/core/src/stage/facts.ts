import type { Money } from "../money/index.js";
import type { StageKey } from "./key.js";

/** What SST's state says about `protect`: older states carry no `_protect` at all. */
export type Protection = true | false | "unknown";

export interface StageLock {
  createdAt: Date;
  command?: string;
  updateId?: string;
  runId?: string;
}

/** Everything the inventory learned about one stage, read from SST's state bucket and the Tagging API. */
export interface StageFacts extends StageKey {
  /** The checkpoint has resources. After `sst remove` the `app/` object stays, empty. */
  live: boolean;
  createdAt?: Date;
  lastDeployedAt?: Date;
  /** The command of the newest update record (deploy, remove, refresh, ...). */
  lastCommand?: string;
  protect: Protection;
  lock?: StageLock;
  resourceCount: number;
  resourceTypes: Record<string, number>;
  /** Resources tagged with this app and stage that the Tagging API still sees. */
  taggedResources: number;
  /** ETag of `app/<app>/<stage>.json`, so an unchanged state need not be read again. */
  stateEtag?: string;
}

/** A source the plan could not read; a failed read fails closed for its account and region. */
export interface SourceFailure {
  source: "bootstrap" | "state" | "lock" | "tagging" | "cost" | "github";
  account: string;
  region?: string;
  message: string;
}

/** Something found that does not parse as SST writes it: reported, never acted on. */
export interface Malformed {
  account: string;
  region: string;
  location: string;
  problem: string;
}

export interface DailyCost {
  date: string;
  amount: Money;
  estimated: boolean;
}

export interface StageCost {
  yesterday: Money;
  last7Days: Money;
  monthToDate: Money;
  /** Month-end projection from the stage's own run rate. */
  forecast: Money;
  /** Some day in the window is not final yet. */
  estimated: boolean;
  daily: DailyCost[];
}
