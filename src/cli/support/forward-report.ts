// The forward exam's report as text: every predictor side by side, overall, by kind of category and
// by as-of date, then the analyzer's differences from each baseline with their 95 % intervals.

import type { PredictorMetrics, TailScore } from "../../analysis/exam-metrics";
import type { Difference, ForwardExamReport, ScoreGroup } from "../../analysis/forward-exam";

/**
 * @example process.stdout.write(formatForwardReport("completejourney (../data)", report, undefined));
 */
export function formatForwardReport(
  label: string,
  report: ForwardExamReport,
  out: string | undefined,
): string {
  const { protocol } = report;
  const H = protocol.horizon;
  const lines = [
    `Forward exam on ${label}: ${count(report.customers)} customers, ${count(report.customersWithCases)} with cases, ` +
      `${count(report.overall.cases)} cases`,
    `protocol: as of ${protocol.asOf.join(", ")}; fitted on purchases before each date; the analyzer sees each customer's ` +
      `newest ${protocol.maxPurchases} baskets before it; a case = a category bought on ≥ ${protocol.casePurchaseDays} ` +
      `of their days; truth = its first purchase on or after the date; scored at H = ${H} days ` +
      `(data ${protocol.dataFirstDay} to ${protocol.dataLastDay}, days in ${protocol.timeZone})`,
    analyzerLine(report.analyzerVersions),
    "",
    ...groupBlock("all cases", report.overall, report.differences.overall, H, protocol.bootstrap.resamples),
  ];
  const kindLabel =
    protocol.kinds === "source" ? "kind" : "kind (by the category's median interval before the date)";
  for (const [kind, group] of Object.entries(report.byKind)) {
    lines.push(
      "",
      ...groupBlock(
        `${kindLabel}: ${kind}`,
        group,
        report.differences.byKind[kind] ?? [],
        H,
        protocol.bootstrap.resamples,
      ),
    );
  }
  lines.push("", "by as-of date (analyzer / Poisson-Gamma):", ...byAsOfTable(report, H));
  lines.push(
    "",
    `MAE@${H} = mean |min(predicted − date, ${H}) − min(actual − date, ${H})| days; AUC7, Brier7, calib7 (mean p7 − observed) ` +
      `judge "bought within 7 days"; early miss = bought before the window, over windows starting by the data's last day; ` +
      `late miss = not bought by the window's end, over windows ending before it (n = cases judged; — : fewer than 100).`,
  );
  if (out) lines.push("", `predictions written to ${out}`);
  return `${lines.join("\n")}\n`;
}

// ---- private helpers ----

function analyzerLine(versions: Record<string, string>): string {
  const [first, ...rest] = Object.values(versions);
  if (!rest.length) return `analyzer: ${first}`;
  return `analyzer: ${first} as of the first date, refitted before each (--json lists every version)`;
}

function groupBlock(
  title: string,
  group: ScoreGroup,
  differences: readonly Difference[],
  H: number,
  resamples: number,
): string[] {
  const head = [
    "predictor",
    "predicted",
    `MAE@${H}`,
    "AUC7",
    "Brier7",
    "calib7",
    "early miss (n)",
    "late miss (n)",
  ];
  const rows = group.scores.map((s: PredictorMetrics) => [
    s.predictor,
    percent(s.coverage),
    fixed(s.maeAtH, 2),
    fixed(s.auc7, 3),
    fixed(s.brier7, 4),
    signed(s.calibration7, 3),
    tail(s.earlyMisses),
    tail(s.lateMisses),
  ]);
  const lines = [
    `${title}: ${count(group.cases)} cases, ${percent(group.buyersWithin7)} bought within 7 days, ` +
      `${percent(group.buyersWithinHorizon)} within ${H}`,
    ...table(head, rows),
  ];
  if (differences.length) {
    lines.push(
      resamples
        ? `analyzer − baseline, 95 % interval (paired bootstrap over customers, ${count(resamples)} resamples):`
        : "analyzer − baseline (no bootstrap):",
    );
    const byBaseline = new Map<string, Difference[]>();
    for (const d of differences) byBaseline.set(d.baseline, [...(byBaseline.get(d.baseline) ?? []), d]);
    for (const [baseline, list] of byBaseline) {
      const parts = list.map((d) => {
        const digits = d.metric === "maeAtH" ? 2 : d.metric === "auc7" ? 3 : 4;
        const name = d.metric === "maeAtH" ? `MAE@${H}` : d.metric === "auc7" ? "AUC7" : "Brier7";
        const interval = d.interval
          ? ` [${signed(d.interval.low, digits)}, ${signed(d.interval.high, digits)}]`
          : "";
        return `${name} ${signed(d.difference, digits)}${interval}`;
      });
      lines.push(`  vs ${baseline}: ${parts.join("; ")}`);
    }
  }
  return lines;
}

function byAsOfTable(report: ForwardExamReport, H: number): string[] {
  const head = ["as of", "cases", "bought ≤ 7 d", `MAE@${H}`, "AUC7", "Brier7", "early miss", "late miss"];
  const rows = Object.entries(report.byAsOf).map(([day, group]) => {
    const [analyzer, pg] = [group.scores[0]!, group.scores[group.scores.length - 1]!];
    const both = (f: (s: PredictorMetrics) => string) => `${f(analyzer)} / ${f(pg)}`;
    return [
      day,
      count(group.cases),
      percent(group.buyersWithin7),
      both((s) => fixed(s.maeAtH, 2)),
      both((s) => fixed(s.auc7, 3)),
      both((s) => fixed(s.brier7, 4)),
      both((s) => fixed(s.earlyMisses?.share ?? null, 3)),
      both((s) => fixed(s.lateMisses?.share ?? null, 3)),
    ];
  });
  return table(head, rows);
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [format(head), ...rows.map(format)];
}

function tail(score: TailScore | null): string {
  if (!score) return "—";
  return `${fixed(score.share, 3)} (${count(score.judged)})`;
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

function fixed(value: number | null, digits: number): string {
  return value === null || Number.isNaN(value) ? "—" : value.toFixed(digits);
}

function signed(value: number | null, digits: number): string {
  if (value === null || Number.isNaN(value)) return "—";
  const text = value.toFixed(digits);
  return value >= 0 ? `+${text}` : text.replace("-", "−");
}

function percent(value: number): string {
  return Number.isNaN(value) ? "—" : `${(value * 100).toFixed(1)} %`;
}
