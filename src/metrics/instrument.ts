// Metering wrappers the prediction runtime puts around what it builds: the analyzer in force (analyses
// by source, and how long each analyzer call takes) and the AI usage ledger (Bedrock calls, tokens,
// cost and fallbacks, counted as they are recorded).
import type { AnalyzeOptions, Analyzer, CustomerAnalysis, CustomerHistory } from "../analysis/contract";
import type { CallRecord, FallbackReason, Reservation, UsageLedger } from "../bedrock/usage-ledger";
import type { AnalyzerProvider } from "../predictions/serving/prediction-service";
import type { ServiceMetrics } from "./service-metrics";

/** The provider's analyzers, each wrapped once to meter its calls. */
export function meteredAnalyzers(provider: AnalyzerProvider, metrics: ServiceMetrics): AnalyzerProvider {
  const wrapped = new WeakMap<Analyzer, Analyzer>();
  return {
    async current() {
      const analyzer = await provider.current();
      let metered = wrapped.get(analyzer);
      if (!metered) {
        metered = meteredAnalyzer(analyzer, metrics);
        wrapped.set(analyzer, metered);
      }
      return metered;
    },
  };
}

/** A ledger that also counts what it records. */
export class MeteredLedger implements UsageLedger {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly metrics: ServiceMetrics,
  ) {}

  reserve(at: Date, usd: number, limitUsd: number): Promise<Reservation | undefined> {
    return this.ledger.reserve(at, usd, limitUsd);
  }

  recordCall(call: CallRecord, reservation?: Reservation): Promise<void> {
    this.metrics.bedrockCalls.inc({ outcome: call.outcome });
    this.metrics.bedrockTokens.inc({ direction: "input" }, call.inputTokens);
    this.metrics.bedrockTokens.inc({ direction: "output" }, call.outputTokens);
    this.metrics.bedrockCostUsd.inc(call.costUsd);
    return this.ledger.recordCall(call, reservation);
  }

  recordFallback(at: Date, reason: FallbackReason, count = 1): Promise<void> {
    this.metrics.bedrockFallbacks.inc({ reason }, count);
    return this.ledger.recordFallback(at, reason, count);
  }
}

// ---- private helpers ----

function meteredAnalyzer(analyzer: Analyzer, metrics: ServiceMetrics): Analyzer {
  return {
    version: analyzer.version,
    source: analyzer.source,
    async analyze(customers: readonly CustomerHistory[], now: Date, options?: AnalyzeOptions) {
      const started = performance.now();
      const analyses: CustomerAnalysis[] = await analyzer.analyze(customers, now, options);
      metrics.analysisSeconds.observe({ source: analyzer.source }, (performance.now() - started) / 1000);
      const bySource = new Map<string, number>();
      for (const analysis of analyses) {
        // A Bedrock analysis that fell back says so on its predictions.
        const source = analysis.predictions[0]?.source ?? analyzer.source;
        bySource.set(source, (bySource.get(source) ?? 0) + 1);
      }
      for (const [source, n] of bySource) metrics.analyses.inc({ source }, n);
      return analyses;
    },
  };
}
