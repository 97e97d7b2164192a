import type { RunStage } from "../../ledger/snapshot.js";
import { type Money, moneyToString } from "../../money/index.js";
import { DECISIONS } from "../../policy/index.js";
import type { ReportData } from "../data.js";
import { x } from "./svg.js";

interface Column {
  title: string;
  numeric?: boolean;
  cell: (s: RunStage) => { text: string; sort?: string; className?: string };
}

const usd = (m: Money | undefined) =>
  m === undefined
    ? { text: "—", sort: "" }
    : {
        text: `$${(Number(m) / 1e10).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
        sort: moneyToString(m),
      };
const days = (n: number | undefined) =>
  n === undefined ? { text: "—", sort: "" } : { text: `${n}d`, sort: String(n) };

const COLUMNS: Column[] = [
  { title: "App", cell: (s) => ({ text: s.app }) },
  { title: "Stage", cell: (s) => ({ text: s.stage }) },
  { title: "Account", cell: (s) => ({ text: s.account }) },
  { title: "Region", cell: (s) => ({ text: s.region }) },
  { title: "Kind", cell: (s) => ({ text: s.kind }) },
  { title: "Decision", cell: (s) => ({ text: s.decision, className: `decision d-${s.decision}` }) },
  { title: "Owner", cell: (s) => ({ text: s.owner ?? "" }) },
  { title: "Age", numeric: true, cell: (s) => days(s.ageDays) },
  { title: "Idle", numeric: true, cell: (s) => days(s.idleDays) },
  { title: "7-day cost", numeric: true, cell: (s) => usd(s.cost?.last7Days) },
  { title: "Month to date", numeric: true, cell: (s) => usd(s.cost?.monthToDate) },
  { title: "Reason", cell: (s) => ({ text: s.reason, className: "reason" }) },
];
/** The table starts sorted by 7-day cost, highest first. */
const INITIAL_SORT = 9;

/** Every stage, server-rendered (readable without script); the inline script sorts and filters it. */
export function stageTable(data: ReportData): string {
  const sorted = [...data.stages].sort((a, b) =>
    Number((b.cost?.last7Days ?? -1n) - (a.cost?.last7Days ?? -1n)),
  );
  const head = COLUMNS.map((c, i) => {
    const sort = i === INITIAL_SORT ? ' aria-sort="descending"' : "";
    return `<th data-type="${c.numeric ? "number" : "text"}"${sort}><button type="button">${x(c.title)}</button></th>`;
  }).join("");
  const rows = sorted
    .map((s) => {
      const cells = COLUMNS.map((c) => {
        const { text, sort, className } = c.cell(s);
        const value = sort !== undefined ? ` data-v="${x(sort)}"` : "";
        const cls = className ? ` class="${className}"` : c.numeric ? ' class="num"' : "";
        return `<td${cls}${value}>${x(text)}</td>`;
      }).join("");
      return `<tr data-decision="${s.decision}">${cells}</tr>`;
    })
    .join("\n");
  const options = DECISIONS.filter((d) => data.totals.byDecision[d] > 0)
    .map((d) => `<option value="${d}">${d} (${data.totals.byDecision[d]})</option>`)
    .join("");
  return `<div class="controls">
<label>Filter <input id="filter" type="search" placeholder="app, stage, owner, reason…" autocomplete="off"></label>
<label>Decision <select id="decision"><option value="">all</option>${options}</select></label>
<span id="shown" aria-live="polite">${data.stages.length} of ${data.stages.length}</span>
</div>
<div class="scroll"><table id="stages"><thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

/** Sorting (click a header; again to reverse) and filtering (text and decision). No library, no network. */
export const TABLE_SCRIPT = `
(function () {
  var table = document.getElementById("stages");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = new Map(rows.map(function (r) { return [r, r.textContent.toLowerCase()]; }));
  var filter = document.getElementById("filter");
  var decision = document.getElementById("decision");
  var shown = document.getElementById("shown");
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var d = decision.value;
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!q || text.get(r).indexOf(q) >= 0) && (!d || r.getAttribute("data-decision") === d);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + " of " + rows.length;
  }
  function key(r, col, numeric) {
    var cell = r.cells[col];
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    if (!numeric) return v.toLowerCase();
    return v === "" ? -Infinity : Number(v);
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = th.cellIndex;
      var numeric = th.getAttribute("data-type") === "number";
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
      if (!th.hasAttribute("aria-sort") && !numeric) dir = "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        var x = key(a, col, numeric), y = key(b, col, numeric);
        return (x < y ? -1 : x > y ? 1 : 0) * sign;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  filter.addEventListener("input", apply);
  decision.addEventListener("change", apply);
  apply();
})();
`;
