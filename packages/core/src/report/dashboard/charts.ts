import { addDays, daysBetween } from "../../cost/days.js";
import type { RunStage } from "../../ledger/snapshot.js";
import { formatUsd, type Money, sumMoney } from "../../money/index.js";
import type { ReportData } from "../data.js";
import {
  Area,
  DECISION_COLOURS,
  dayLabels,
  dollars,
  empty,
  frame,
  legend,
  money,
  n2,
  PALETTE,
  ticks,
  x,
  yAxis,
} from "./svg.js";

const WIDE = new Area(920, 300);
/** The charts that share a row. */
const HALF = 560;
/** Apps drawn on their own in the stacked chart; the rest are summed as "other apps". */
const STACKED_APPS = 8;

/** Daily spend stacked by app over up to 90 days. */
export function spendChart(data: ReportData): string {
  const { dates, apps } = data.spend;
  const label = "Daily spend by app";
  if (dates.length === 0) return empty("spend", label, "No daily cost in the run history yet.");
  const totals = [...apps].map(([app, byDay]) => ({ app, total: sumMoney(byDay.values()), byDay }));
  totals.sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : a.app < b.app ? -1 : 1));
  const series = totals.slice(0, STACKED_APPS).map((t) => ({ label: t.app, byDay: t.byDay }));
  const rest = totals.slice(STACKED_APPS);
  if (rest.length > 0) {
    const other = new Map<string, Money>();
    for (const t of rest) for (const [d, v] of t.byDay) other.set(d, (other.get(d) ?? 0n) + v);
    series.push({ label: `${rest.length} other apps`, byDay: other });
  }
  const dayTotals = dates.map((d) => sumMoney(series.map((s) => s.byDay.get(d) ?? 0n)));
  const max = Math.max(...dayTotals.map(dollars), 0.01);
  const grid = ticks(max);
  const top = grid.at(-1) ?? max;
  const a = WIDE;
  const y = (v: number) => a.bottom - (v / top) * a.plotH;
  const step = a.plotW / dates.length;
  const barW = Math.max(1, step * 0.8);
  const marks: string[] = [];
  dates.forEach((date, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const v = dollars(s.byDay.get(date) ?? 0n);
      if (v <= 0) return;
      const y0 = y(base);
      const y1 = y(base + v);
      base += v;
      marks.push(
        `<rect class="mark" x="${n2(a.left + i * step + (step - barW) / 2)}" y="${n2(y1)}" width="${n2(barW)}" height="${n2(Math.max(0.5, y0 - y1))}" fill="${PALETTE[k % PALETTE.length]}"><title>${x(`${date} · ${s.label}: ${formatUsd(s.byDay.get(date) ?? 0n)}`)}</title></rect>`,
      );
    });
  });
  const body = `${yAxis(a, grid, y, money)}${marks.join("")}${dayLabels(a, dates)}`;
  return (
    frame("spend", label, body, a) +
    legend(
      series.map((s, k) => ({
        label: `${s.label} (${formatUsd(sumMoney(s.byDay.values()))})`,
        colour: PALETTE[k % PALETTE.length] ?? "#999",
      })),
    )
  );
}

const ROW = 22;

/** The stages with the highest 7-day cost, coloured by decision. */
export function topStagesChart(data: ReportData, limit = 15): string {
  const label = "Top stages by 7-day cost";
  const top = data.stages
    .filter((s) => s.cost && s.cost.last7Days > 0n)
    .sort((a, b) => Number((b.cost?.last7Days ?? 0n) - (a.cost?.last7Days ?? 0n)))
    .slice(0, limit);
  if (top.length === 0) return empty("top", label, "No stage has cost data.", HALF);
  const area = new Area(HALF, 16 + top.length * ROW + 8);
  const left = 200;
  const width = HALF - left - 80;
  const max = dollars(top[0]?.cost?.last7Days ?? 0n) || 1;
  const rows = top.map((s, i) => {
    const v = dollars(s.cost?.last7Days ?? 0n);
    const y = area.top + i * ROW;
    const name = `${s.app}/${s.stage}`;
    return (
      `<text class="label" x="${left - 8}" y="${y + ROW / 2}" dy="0.32em" text-anchor="end">${x(name.length > 28 ? `${name.slice(0, 27)}…` : name)}</text>` +
      `<rect class="mark" x="${left}" y="${y + 3}" width="${n2(Math.max(1, (v / max) * width))}" height="${ROW - 6}" fill="${DECISION_COLOURS[s.decision] ?? "#999"}"><title>${x(`${name} (${s.account} ${s.region}) · ${s.kind} · ${s.decision}: ${formatUsd(s.cost?.last7Days ?? 0n)} in 7 days`)}</title></rect>` +
      `<text class="value" x="${n2(left + (v / max) * width + 6)}" y="${y + ROW / 2}" dy="0.32em">${formatUsd(s.cost?.last7Days ?? 0n)}</text>`
    );
  });
  const decisions = [...new Set(top.map((s) => s.decision))];
  return (
    frame("top", label, rows.join(""), area) +
    legend(decisions.map((d) => ({ label: d, colour: DECISION_COLOURS[d] ?? "#999" })))
  );
}

/** Stage age against 7-day cost (log scale), coloured by kind: old and expensive stands out top right. */
export function ageCostChart(data: ReportData): string {
  const label = "Stage age against 7-day cost";
  const points = data.stages.filter(
    (s): s is RunStage & { ageDays: number } => s.ageDays !== undefined && !!s.cost && s.cost.last7Days > 0n,
  );
  if (points.length === 0) return empty("age", label, "No stage has both an age and cost data.", HALF);
  const a = new Area(HALF, 360);
  const costs = points.map((s) => dollars(s.cost?.last7Days ?? 0n));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...costs)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...costs) * 1.0001));
  const maxAge = Math.max(...points.map((s) => s.ageDays), 1);
  const ageGrid = ticks(maxAge);
  const ageTop = ageGrid.at(-1) ?? maxAge;
  const px = (age: number) => a.left + (age / ageTop) * a.plotW;
  const py = (v: number) => a.bottom - (Math.log10(v / lo) / Math.log10(hi / lo)) * a.plotH;
  const decades: number[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) decades.push(v);
  const kinds = [...new Set(points.map((s) => s.kind))].sort();
  const colour = (kind: string) => PALETTE[kinds.indexOf(kind) % PALETTE.length] ?? "#999";
  const marks = points.map(
    (s, i) =>
      `<circle class="mark" cx="${n2(px(s.ageDays))}" cy="${n2(py(costs[i] ?? lo))}" r="4" fill="${colour(s.kind)}" fill-opacity="0.75"><title>${x(`${s.app}/${s.stage} (${s.kind}, ${s.decision}): ${s.ageDays} days old, ${formatUsd(s.cost?.last7Days ?? 0n)} in 7 days`)}</title></circle>`,
  );
  const xLabels = ageGrid
    .map(
      (age) =>
        `<text class="tick" x="${n2(px(age))}" y="${a.bottom + 18}" text-anchor="middle">${age}d</text>`,
    )
    .join("");
  const axis = `<text class="axis" x="${a.right}" y="${a.h - 4}" text-anchor="end">age (days)</text>`;
  return (
    frame("age", label, `${yAxis(a, decades, py, money)}${marks.join("")}${xLabels}${axis}`, a) +
    legend(kinds.map((k) => ({ label: k, colour: colour(k) })))
  );
}

/**
 * Removals per day (bars) and the spend they have avoided so far (line): each removed stage saves its daily
 * rate (7-day cost before removal ÷ 7) for every day since, counted to each day of the chart.
 */
export function removalsChart(data: ReportData): string {
  const label = "Removals and spend avoided";
  const removed = data.removals;
  if (removed.length === 0) return empty("removals", label, "No removals in the last 90 days.");
  const end = data.at.toISOString().slice(0, 10);
  const first = removed.map((r) => r.at.toISOString().slice(0, 10)).sort()[0] ?? end;
  const days = Math.max(7, daysBetween(first, end) + 1);
  const dates = Array.from({ length: days }, (_, i) => addDays(end, i - days + 1));
  const perDay = dates.map((d) => removed.filter((r) => r.at.toISOString().slice(0, 10) === d).length);
  const avoided = dates.map((d) =>
    removed.reduce((sum, r) => {
      const since = daysBetween(r.at.toISOString().slice(0, 10), d);
      return since > 0 && r.outcome === "removed" ? sum + (dollars(r.last7Days ?? 0n) / 7) * since : sum;
    }, 0),
  );
  const countGrid = [...new Set(ticks(Math.max(...perDay, 1), 4).map((v) => Math.ceil(v)))];
  const countTop = countGrid.at(-1) ?? 1;
  const moneyGrid = ticks(Math.max(...avoided, 1), 4);
  const moneyTop = moneyGrid.at(-1) ?? 1;
  const a = WIDE;
  const yc = (v: number) => a.bottom - (v / countTop) * a.plotH;
  const ym = (v: number) => a.bottom - (v / moneyTop) * a.plotH;
  const step = a.plotW / dates.length;
  const bars = dates
    .map((d, i) =>
      (perDay[i] ?? 0) > 0
        ? `<rect class="mark" x="${n2(a.left + i * step + step * 0.1)}" y="${n2(yc(perDay[i] ?? 0))}" width="${n2(Math.max(1, step * 0.8))}" height="${n2(a.bottom - yc(perDay[i] ?? 0))}" fill="#009E73"><title>${d}: ${perDay[i]} removed</title></rect>`
        : "",
    )
    .join("");
  const path = avoided
    .map((v, i) => `${i === 0 ? "M" : "L"}${n2(a.left + i * step + step / 2)},${n2(ym(v))}`)
    .join("");
  const line = `<path class="mark line" d="${path}" fill="none" stroke="#D55E00" stroke-width="2"><title>Spend avoided so far: ${x(money(avoided.at(-1) ?? 0))}</title></path>`;
  const body = `${yAxis(a, countGrid, yc, (v) => String(v))}${yAxis(a, moneyGrid, ym, money, "right")}${bars}${line}${dayLabels(a, dates)}`;
  return (
    frame("removals", label, body, a) +
    legend([
      { label: "stages removed per day (left axis)", colour: "#009E73" },
      { label: `spend avoided so far (right axis): ${money(avoided.at(-1) ?? 0)}`, colour: "#D55E00" },
    ])
  );
}
