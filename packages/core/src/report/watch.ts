import { block, MessageBuilder, MORE, type SlackMessage } from "./blocks.js";
import type { ReportData } from "./data.js";
import { cost7, count, esc, place, stageName, usd, utc } from "./format.js";

/** The thread's problems: removals that gave up or failed, sources not read, objects that do not parse. */
export function problems(data: ReportData): SlackMessage | undefined {
  const failed = data.stages.filter((s) => s.decision === "failed");
  const retrying = data.failedRemovals.filter((f) => f.at > data.since);
  if (failed.length + retrying.length + data.failures.length + data.malformed.length === 0) return undefined;
  const message = new MessageBuilder();
  const more = MORE();
  message.add(block.section(":rotating_light: *Needs a person*"));
  if (failed.length > 0)
    message.list(
      `*Removals that gave up (${failed.length})*`,
      failed.map((s) => `• ${stageName(s)} ${place(s)} — ${esc(s.reason, 500)}`),
      more,
    );
  if (retrying.length > 0)
    message.list(
      `*Failed attempts since the last digest (${retrying.length})*`,
      retrying.map(
        (f) => `• ${stageName(f)} ${place(f)} — ${f.outcome} ${utc(f.at)}: ${esc(f.message, 300)}`,
      ),
      more,
    );
  if (data.failures.length > 0)
    message.list(
      `*Sources that could not be read (${data.failures.length})* — nothing is removed from partial facts`,
      data.failures.map(
        (f) =>
          `• ${esc(f.source, 20)} ${esc(f.account, 20)}${f.region ? ` ${esc(f.region, 20)}` : ""}: ${esc(f.message, 400)}`,
      ),
      more,
    );
  if (data.malformed.length > 0)
    message.list(
      `*Objects that do not parse as SST writes them (${data.malformed.length})* — never acted on`,
      data.malformed.map(
        (m) =>
          `• ${esc(m.account, 20)} ${esc(m.region, 20)} \`${esc(m.location, 200)}\`: ${esc(m.problem, 300)}`,
      ),
      more,
    );
  return message.message(
    `Needs a person: ${failed.length + retrying.length + data.failures.length + data.malformed.length}`,
  );
}

/** The thread's watch list: locked, orphaned and unknown stages, untagged spend, inactive cost tags. */
export function watchList(data: ReportData): SlackMessage | undefined {
  const locked = data.stages.filter((s) => s.decision === "locked");
  const orphaned = data.stages.filter((s) => s.decision === "orphaned");
  const unknown = data.stages.filter((s) => s.decision === "unknown");
  const untagged = data.untagged.filter((u) => u.last7Days > 0n);
  if (locked.length + orphaned.length + unknown.length + untagged.length + data.costTags.length === 0)
    return undefined;
  const message = new MessageBuilder();
  const more = MORE();
  message.add(block.section(":eyes: *Watch list* — reported, never removed"));
  if (locked.length > 0)
    message.list(
      `:lock: *Locked (${locked.length})*`,
      locked.map((s) => `• ${stageName(s)} ${place(s)} — ${esc(s.reason, 300)}`),
      more,
    );
  if (orphaned.length > 0)
    message.list(
      `:ghost: *Orphaned (${orphaned.length})* — tagged resources without SST state`,
      orphaned.map(
        (s) => `• ${stageName(s)} ${place(s)} — ${count(s.taggedResources, "tagged resource")} · ${cost7(s)}`,
      ),
      more,
    );
  if (unknown.length > 0)
    message.list(
      `:grey_question: *Unknown (${unknown.length})*`,
      unknown.map((s) => `• ${stageName(s)} ${place(s)} — ${esc(s.reason, 300)}`),
      more,
    );
  if (untagged.length > 0)
    message.list(
      ":label: *Untagged spend* (no `sst:stage` tag)",
      untagged.map(
        (u) =>
          `• ${esc(u.account, 20)}: ${usd(u.last7Days)} last 7 days, ${usd(u.monthToDate)} month to date`,
      ),
      more,
    );
  for (const tag of data.costTags)
    message.list(
      `:warning: *Cost tag \`${esc(tag.tag, 40)}\` inactive in ${esc(tag.account, 20)}*`,
      [esc(tag.message, 1500)],
      more,
    );
  return message.message(
    `Watch list: ${locked.length} locked, ${orphaned.length} orphaned, ${unknown.length} unknown`,
  );
}
