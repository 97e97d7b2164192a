import type { RunStage } from "../ledger/snapshot.js";
import { formatUsd, type Money, scaleMoney } from "../money/index.js";
import type { StageKey } from "../stage/key.js";

/** Spend avoided by a removal, per 30 days: the stage's last 7 days of cost, scaled to 30 days. */
export const AVOIDED_DAYS = 30;

export function avoidedPer30Days(last7Days: Money): Money {
  return scaleMoney(last7Days, BigInt(AVOIDED_DAYS), 7n);
}

/**
 * Slack mrkdwn treats &, < and > as control characters (links, mentions); text we did not write (names from
 * state keys, reasons quoting lock files, error messages) is escaped, control characters are flattened and
 * length is bounded, so nothing can mention @channel, forge a link or break the layout.
 */
export function esc(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return short.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A stage for people: always app and stage, never the stage name alone (every app has a `production`). */
export function stageName(key: StageKey): string {
  return `*${esc(key.app, 80)}/${esc(key.stage, 80)}*`;
}

export function place(key: StageKey): string {
  return `${key.account} ${key.region}`;
}

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** `<@U…>` for a valid Slack user id (it notifies the person); anything else is shown as text. */
export function mention(owner: string | undefined): string | undefined {
  if (!owner) return undefined;
  return SLACK_USER.test(owner) ? `<@${owner}>` : esc(owner, 40);
}

export function cost7(stage: RunStage | undefined): string {
  return stage?.cost ? `${formatUsd(stage.cost.last7Days)} last 7 days` : "no cost data";
}

export function usd(value: Money | undefined): string {
  return value === undefined ? "—" : formatUsd(value);
}

/** "+12%" / "−8%" / "no change", against a base; undefined when there is no base to compare with. */
export function change(now: Money, before: Money): string | undefined {
  if (before === 0n) return now === 0n ? "no change" : undefined;
  const tenths = Number(((now - before) * 1000n) / before);
  const percent = Math.round(tenths / 10);
  if (percent === 0) return "no change";
  return percent > 0 ? `▲ ${percent}%` : `▼ ${-percent}%`;
}

/** "Fri 27 Nov 2026". */
export function longDate(time: Date): string {
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][time.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    time.getUTCMonth()
  ];
  return `${weekday} ${time.getUTCDate()} ${month} ${time.getUTCFullYear()}`;
}

/** "2026-11-28 08:00 UTC". */
export function utc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function count(n: number, unit: string, plural = `${unit}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? unit : plural}`;
}

/** `<url|label>`: Slack wants &, < and > escaped inside links too; it unescapes them before opening. */
export function slackLink(url: string, label: string): string {
  const href = url.replace(/&/g, "&amp;").replace(/</g, "%3C").replace(/>/g, "%3E").replace(/\|/g, "%7C");
  return `<${href}|${esc(label, 200)}>`;
}
