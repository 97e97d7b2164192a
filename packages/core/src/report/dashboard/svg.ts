import type { Money } from "../../money/index.js";

/**
 * The few SVG primitives the charts share. Charts are drawn here, at generation time, as plain SVG: the page
 * needs no chart library, no script and no network to show them, renders the same in every browser and in
 * an e-mail preview, and the file stays small. Every mark carries a <title> for its exact figure.
 */
export const PAD = { top: 16, right: 64, bottom: 40, left: 64 };

/** A chart's size and its plot area inside the axes. */
export class Area {
  constructor(
    readonly w = 920,
    readonly h = 300,
  ) {}
  get left(): number {
    return PAD.left;
  }
  get right(): number {
    return this.w - PAD.right;
  }
  get top(): number {
    return PAD.top;
  }
  get bottom(): number {
    return this.h - PAD.bottom;
  }
  get plotW(): number {
    return this.right - this.left;
  }
  get plotH(): number {
    return this.bottom - this.top;
  }
}

/** Colour-blind-safe categorical palette (Okabe–Ito, then Tableau's muted tones). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#999999",
  "#8c6d31",
  "#637939",
];

export const DECISION_COLOURS: Record<string, string> = {
  remove: "#D55E00",
  expiring: "#E69F00",
  removing: "#CC79A7",
  failed: "#b2182b",
  unknown: "#999999",
  locked: "#8c6d31",
  orphaned: "#56B4E9",
  keep: "#009E73",
  protected: "#0072B2",
};

export function x(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export const dollars = (m: Money): number => Number(m) / 1e10;

export const n2 = (v: number): string => (Math.round(v * 100) / 100).toString();

/** About `count` round steps (1, 2, 5 × 10^k) from 0 to at least `max`. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

export function money(v: number): string {
  if (v >= 1000) return `$${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k`;
  if (v >= 10 || v === 0) return `$${Math.round(v)}`;
  return `$${v.toFixed(2)}`;
}

export function frame(id: string, label: string, body: string, area: Area): string {
  return `<svg class="chart" data-chart="${id}" viewBox="0 0 ${area.w} ${area.h}" role="img" aria-label="${x(label)}" preserveAspectRatio="xMidYMid meet">${body}</svg>`;
}

/** Horizontal grid lines with labels on the left (or right) axis. */
export function yAxis(
  area: Area,
  values: number[],
  scale: (v: number) => number,
  label: (v: number) => string,
  side: "left" | "right" = "left",
): string {
  return values
    .map((v) => {
      const y = n2(scale(v));
      const lx = side === "left" ? area.left - 6 : area.right + 6;
      const anchor = side === "left" ? "end" : "start";
      const grid =
        side === "left"
          ? `<line class="grid" x1="${area.left}" x2="${area.right}" y1="${y}" y2="${y}"/>`
          : "";
      return `${grid}<text class="tick" x="${lx}" y="${y}" dy="0.32em" text-anchor="${anchor}">${x(label(v))}</text>`;
    })
    .join("");
}

/** Day labels (MM-DD) under a daily axis, centred on each day's slot; about ten at most, so they never overlap. */
export function dayLabels(area: Area, dates: readonly string[]): string {
  const step = area.plotW / dates.length;
  const every = Math.max(1, Math.ceil(dates.length / 10));
  return dates
    .map((d, i) =>
      i % every === 0
        ? `<text class="tick" x="${n2(area.left + i * step + step / 2)}" y="${area.bottom + 18}" text-anchor="middle">${d.slice(5)}</text>`
        : "",
    )
    .join("");
}

export function empty(id: string, label: string, message: string, w = 920): string {
  const area = new Area(w, 80);
  return frame(
    id,
    label,
    `<text class="empty" x="${w / 2}" y="44" text-anchor="middle">${x(message)}</text>`,
    area,
  );
}

export function legend(items: { label: string; colour: string }[]): string {
  return `<ul class="legend">${items
    .map((i) => `<li><span class="swatch" style="background:${i.colour}"></span>${x(i.label)}</li>`)
    .join("")}</ul>`;
}
