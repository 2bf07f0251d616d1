// The report of `npm run bench`: the targets of issue 7 judged on the median run, and the markdown
// tables (machine, data, serving with its ratios to the naive reference and to the limits, write
// path, batch, memory, targets).

import type { BedrockLevel, RefreshResult } from "./phases/batch";
import type { MeasuredPhase } from "./phases/context";
import type { LimitsRun } from "./phases/limits";
import type { NaiveRun } from "./phases/naive";
import { RSS_TOLERANCE, type RssStability } from "./phases/rss";
import type { ServingRun } from "./phases/serving";
import type { WriteRun } from "./phases/write";
import type { Latencies, SeededData } from "./support/serving-harness";

export const TARGETS = {
  warmOverNaive: 10,
  warmShareOfGraphqlJs: 0.35,
  warmP99Ms: 20,
  coldP95Ms: 300,
  maxStatements: 4,
  rssTolerance: RSS_TOLERANCE,
};

export interface RunResult {
  /** 1-minute load average when the run's first phase started (2 cores: above 2, something else ran). */
  loadAverage: number;
  serving?: ServingRun;
  naive?: NaiveRun;
  limits?: LimitsRun;
  write?: WriteRun;
  refresh?: RefreshResult;
  bedrock?: BedrockLevel[];
}

export interface Report {
  date: string;
  commit: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    loadAverage: { start: number[]; end: number[] };
    database?: string;
    cache?: string;
    graphql: string;
  };
  data?: SeededData & {
    pages: number;
    rotationPages: number;
    responseKiB: number;
    predictionsPerPage: number;
    graphqlJsMatchesCapturedBytes?: boolean;
    naiveCheckedPage?: { page: number; customers: number; predictions: number };
  };
  settings: {
    phases: string[];
    runs: number;
    duration: number;
    connections: number;
    nodeEnv: string;
    analyzer?: string;
    bedrock?: { customers: number; days: number; latencyMs: number; concurrency: number[] };
  };
  median: RunResult;
  runs: RunResult[];
  rss?: RssStability;
}

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

const ms = (n: number) =>
  Number.isNaN(n) ? "–" : n < 1 ? n.toFixed(2) : n < 10 ? n.toFixed(1) : n.toFixed(0);
const rate = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : n.toFixed(0));
const pct = (n: number) => `${(100 * n).toFixed(0)} %`;
const ok = (met: boolean) => (met ? "met" : "**not met**");

/** The issue's targets, judged on the median run; only those whose phases ran. */
export function judge(report: Report): Verdict[] {
  const { serving, naive, limits } = report.median;
  const verdicts: Verdict[] = [];
  const c = report.settings.connections;
  if (serving && naive) {
    const ratio = serving.warm.requestsPerSecond / naive.load.requestsPerSecond;
    verdicts.push({
      target: `warm ≥ ${TARGETS.warmOverNaive} × naive req/s`,
      measured: `${ratio.toFixed(1)} ×`,
      met: ratio >= TARGETS.warmOverNaive,
    });
  }
  if (serving && limits) {
    const share = serving.warm.requestsPerSecond / limits.graphqlExecuteStringify.requestsPerSecond;
    const executeOnly = serving.warm.requestsPerSecond / limits.graphqlExecute.requestsPerSecond;
    verdicts.push({
      target: `warm ≥ ${pct(TARGETS.warmShareOfGraphqlJs)} of the in-memory graphql-js limit (execute + JSON.stringify)`,
      measured: `${pct(share)} (of execute only: ${pct(executeOnly)})`,
      met: share >= TARGETS.warmShareOfGraphqlJs,
    });
  }
  if (serving) {
    const httpP99 = limits ? `; node:http returning the same bytes: ${ms(limits.nodeHttp.p99)} ms` : "";
    verdicts.push({
      target: `warm p99 < ${TARGETS.warmP99Ms} ms at ${c} clients`,
      measured: `${ms(serving.warm.p99)} ms${httpP99}`,
      met: serving.warm.p99 < TARGETS.warmP99Ms,
    });
    verdicts.push({
      target: `cold p95 < ${TARGETS.coldP95Ms} ms (1 client)`,
      measured: `${ms(serving.cold1.p95)} ms (${c} clients: ${ms(serving.coldConcurrent.p95)} ms)`,
      met: serving.cold1.p95 < TARGETS.coldP95Ms,
    });
    const s = serving.statements;
    verdicts.push({
      target: `SQL statements per request constant in page size and ≤ ${TARGETS.maxStatements}`,
      measured: `warm ${s.warm5} / ${s.warm50}, cold ${s.cold5} / ${s.cold50} (first: 5 / 50)`,
      met:
        s.warm5 === s.warm50 && s.cold5 === s.cold50 && Math.max(s.warm50, s.cold50) <= TARGETS.maxStatements,
    });
  }
  if (report.rss) {
    const r = report.rss;
    verdicts.push({
      target: `RSS within ± ${pct(TARGETS.rssTolerance)} over ${r.seconds} s of warm load`,
      measured: `first 10 s ${r.start.toFixed(0)}, min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}, last 10 s ${r.end.toFixed(0)} MiB`,
      met: r.withinTolerance,
    });
  }
  return verdicts;
}

/** What makes the numbers untrustworthy rather than slow: failed requests, stale reads. */
export function problems(report: Report): string[] {
  const found: string[] = [];
  report.runs.forEach((r, i) => {
    const failed = (what: string, l: Latencies | undefined) => {
      if (l?.failed) found.push(`run ${i + 1}: ${l.failed} ${what} failed`);
    };
    failed("warm requests", r.serving?.warm);
    failed("cold requests (1 client)", r.serving?.cold1);
    failed("cold requests (concurrent)", r.serving?.coldConcurrent);
    failed("naive requests", r.naive?.load);
    failed("node:http requests", r.limits?.nodeHttp);
    failed("recordPurchase requests", r.write?.recordPurchase);
    if (r.write?.freshness.failed)
      found.push(`run ${i + 1}: stale reads right after a purchase: ${r.write.freshness.failed}`);
  });
  if (report.rss?.failed) found.push(`rss: ${report.rss.failed} requests failed`);
  return found;
}

export function markdown(report: Report, verdicts: Verdict[], issues: string[]): string {
  const { machine: m, data, settings, median, runs } = report;
  const c = settings.connections;
  const perRun = (pick: (r: RunResult) => number | undefined) =>
    runs.map((r) => ms(pick(r) ?? Number.NaN)).join(" / ");
  const lines = [
    `${report.date.slice(0, 10)} · commit ${report.commit} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ` +
      `Node ${m.node} (NODE_ENV=${settings.nodeEnv}) · graphql ${m.graphql}` +
      (m.database ? ` · ${m.database}` : "") +
      (m.cache ? ` · cache: ${m.cache}` : ""),
    "",
    `Load average (1/5/15 min) at the start ${m.loadAverage.start.map((n) => n.toFixed(2)).join(" / ")}, at the end ` +
      `${m.loadAverage.end.map((n) => n.toFixed(2)).join(" / ")}; 1-min at the start of each run: ` +
      `${runs.map((r) => r.loadAverage.toFixed(1)).join(" / ")}.`,
  ];
  if (data) {
    lines.push(
      "",
      `Data: ${data.customers} customers × ${data.days} days (seed 1): ${data.purchases} purchases, ${data.items} items; ` +
        `${data.pages} pages of 50 customers, about ${data.predictionsPerPage} predictions and ${data.responseKiB} KiB of JSON each. ` +
        `Load phases: ${c} clients, ${settings.duration} s, over the same ${data.rotationPages} pages. ` +
        `Median of ${settings.runs} runs (phases: ${settings.phases.join(", ")}).` +
        (data.naiveCheckedPage
          ? ` Page ${data.naiveCheckedPage.page} is identical on this server and the naive one (${data.naiveCheckedPage.predictions} predictions).`
          : "") +
        (data.graphqlJsMatchesCapturedBytes === undefined
          ? ""
          : ` graphql-js's JSON ${data.graphqlJsMatchesCapturedBytes ? "equals" : "**differs from**"} the captured bytes.`),
    );
  }

  const { serving, naive, limits, write, refresh, bedrock } = median;
  if (serving || naive || limits) {
    const naiveRps = naive?.load.requestsPerSecond ?? Number.NaN;
    const warmRps = serving?.warm.requestsPerSecond ?? Number.NaN;
    const times = (n: number) => (Number.isNaN(n) ? "–" : `${n.toFixed(1)} ×`);
    const row = (
      what: string,
      l: (Latencies & Partial<MeasuredPhase>) | undefined,
      sql: string,
      p95s: (r: RunResult) => number | undefined,
      ofIt: string,
    ) =>
      l
        ? `| ${what} | ${rate(l.requestsPerSecond)} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${sql} | ` +
          `${ms(l.serverCpuMs ?? Number.NaN)} | ${l.rssMiB === undefined ? "–" : l.rssMiB.toFixed(0)} | ` +
          `${times(l.requestsPerSecond / naiveRps)} | ${ofIt} | ${perRun(p95s)} |`
        : undefined;
    const limitShare = (l: Latencies | undefined) => (l ? pct(warmRps / l.requestsPerSecond) : "–");
    const st = serving?.statements;
    lines.push(
      "",
      `| first: 50 | req/s | p50 ms | p95 ms | p99 ms | SQL/req first: 5 / 50 | server CPU ms/req | RSS MiB | req/s × naive | ours warm ÷ this | p95 per run |`,
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
      ...[
        row(
          `ours, warm (${c} clients)`,
          serving?.warm,
          st ? `${st.warm5} / ${st.warm50}` : "–",
          (r) => r.serving?.warm.p95,
          "–",
        ),
        row(
          `ours, cold (1 client, each page once)`,
          serving?.cold1,
          st ? `${st.cold5} / ${st.cold50}` : "–",
          (r) => r.serving?.cold1.p95,
          "–",
        ),
        row(
          `ours, cold (${c} clients, each page once)`,
          serving?.coldConcurrent,
          st ? `${st.cold5} / ${st.cold50}` : "–",
          (r) => r.serving?.coldConcurrent.p95,
          "–",
        ),
        row(
          `naive reference (${c} clients)`,
          naive?.load,
          naive ? `${naive.statements5} / ${naive.statements50}` : "–",
          (r) => r.naive?.load.p95,
          serving && naive ? times(warmRps / naiveRps) : "–",
        ),
        row(
          "limit: graphql-js execute (in memory, 1 thread)",
          limits?.graphqlExecute,
          "0",
          (r) => r.limits?.graphqlExecute.p95,
          limitShare(limits?.graphqlExecute),
        ),
        row(
          "limit: graphql-js execute + JSON.stringify",
          limits?.graphqlExecuteStringify,
          "0",
          (r) => r.limits?.graphqlExecuteStringify.p95,
          limitShare(limits?.graphqlExecuteStringify),
        ),
        row(
          `limit: node:http, same bytes (${c} clients)`,
          limits?.nodeHttp,
          "0",
          (r) => r.limits?.nodeHttp.p95,
          limitShare(limits?.nodeHttp),
        ),
      ].filter((line) => line !== undefined),
    );
    if (serving) {
      lines.push(
        "",
        `Cold request's statements: ${median.serving!.coldStatements.map((s) => `\`${s}\``).join(", ")}` +
          (serving.warm.recomputed ? `. ${serving.warm.recomputed} warm pages were recomputed` : "") +
          (serving.warm.cacheFailures
            ? `. ${serving.warm.cacheFailures} cache operations failed during warm`
            : "") +
          ".",
      );
    }
  }

  if (write) {
    const w = write.recordPurchase;
    const f = write.freshness;
    lines.push(
      "",
      "| write path | requests | failed | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req | RSS MiB |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      `| recordPurchase (3 lines, ${c} clients) | ${w.requests.toFixed(0)} | ${w.failed} | ${rate(w.requestsPerSecond)} | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.p99)} | ${ms(w.serverCpuMs)} | ${w.rssMiB.toFixed(0)} |`,
      `| purchase → next read of that prediction (1 client) | ${f.requests.toFixed(0)} | ${f.failed} stale | – | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | – | – |`,
    );
  }

  if (refresh || bedrock) {
    lines.push(
      "",
      "| batch (`npm run refresh`, child process) | customers | customers/s, whole run | customers/s, refresh only | calls/s (ideal) | of ideal | peak RSS MiB |",
      "|---|---:|---:|---:|---:|---:|---:|",
    );
    if (refresh) {
      lines.push(
        `| statistical (priors fit ${refresh.priorsSeconds.toFixed(1)} s; process ${refresh.processSeconds.toFixed(1)} s) | ${refresh.customers} | ` +
          `${rate(refresh.customersPerSecond)} | ${rate(refresh.refreshCustomersPerSecond)} | – | – | ${refresh.peakRssMiB.toFixed(0)} |`,
      );
    }
    const b = settings.bedrock;
    for (const level of bedrock ?? []) {
      lines.push(
        `| Bedrock (fake, ${b?.latencyMs} ms per call), BEDROCK_MAX_CONCURRENCY=${level.concurrency}; ${level.calls.toFixed(0)} calls, at most ${level.maxInFlight.toFixed(0)} in flight | ` +
          `${b?.customers} | – | ${rate(level.customersPerSecond)} | ${rate(level.callsPerSecond)} (${rate(level.idealCallsPerSecond)}) | ` +
          `${pct(level.ofIdeal)} | ${level.peakRssMiB.toFixed(0)} |`,
      );
    }
  }

  if (report.rss) {
    const r = report.rss;
    lines.push(
      "",
      `Memory over ${r.seconds} s of warm load (${r.requests} requests with the warm-up; RSS of the server's own process, ` +
        `every second after a warm-up): median of the first 10 s ${r.start.toFixed(0)} MiB, min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}, ` +
        `median of the last 10 s ${r.end.toFixed(0)}: every sample ${r.withinTolerance ? "within" : "**not** within"} ± ${pct(TARGETS.rssTolerance)} of the first 10 s.` +
        (r.heapAfterGc
          ? ` V8 heap in use after a full collection: ${r.heapAfterGc.start.toFixed(0)} MiB halfway through the warm-up, ${r.heapAfterGc.end.toFixed(0)} MiB 3 s before the load ended (both under load; the RSS samples stop there).`
          : ""),
    );
  }

  if (verdicts.length) {
    lines.push("", "| target (issue 7) | measured (median) | |", "|---|---|---|");
    for (const v of verdicts) lines.push(`| ${v.target} | ${v.measured} | ${ok(v.met)} |`);
  }
  if (issues.length) lines.push("", "Problems:", ...issues.map((p) => `- ${p}`));
  return `${lines.join("\n")}\n`;
}
