// Claude on Bedrock behind the analyzer contract: the statistical analysis is computed first and sent
// as facts; Claude may move a category's day (the statistical distribution moves with it, so the
// window and the probabilities agree with the day: model-output.ts) and adds insights. Whatever goes
// wrong for a customer (budget, the caller's call allowance used up, open circuit, throttling, bad
// output, …) that customer gets the statistical analysis, marked STATISTICAL and kept only briefly
// (retryAfterMs), so Claude is tried again later and a failure is never cached as BEDROCK.
import { randomBytes } from "node:crypto";
import type { AnalyzeOptions, Analyzer, CustomerAnalysis, CustomerHistory } from "../analysis/contract";
import type { Logger } from "../logger";
import type { BedrockCallError, BedrockGateway } from "./bedrock-gateway";
import { ModelOutputError, mergeModelOutput } from "./model-output";
import { buildCustomerPrompt } from "./prompt";
import type { FallbackReason, UsageLedger } from "./usage-ledger";

export interface BedrockAnalyzerOptions {
  gateway: BedrockGateway;
  timeZone: string;
  ledger: UsageLedger;
  log: Logger;
  /** How long a fallback analysis is kept before Claude is tried again (default 10 minutes). */
  fallbackRetryMs?: number;
}

/**
 * @example
 *   const analyzer = new BedrockAnalyzer(statistical, { gateway, timeZone: "UTC", ledger, log });
 *   const [ana] = await analyzer.analyze([history], new Date()); // predictions with source BEDROCK
 */
export class BedrockAnalyzer implements Analyzer {
  readonly version: string;
  readonly source = "BEDROCK";

  constructor(
    private readonly statistical: Analyzer,
    private readonly options: BedrockAnalyzerOptions,
  ) {
    // 2: Claude moves the day and the statistical distribution follows (its own window and confidence
    // are no longer asked for).
    this.version = `bedrock@2/${options.gateway.modelId}/${statistical.version}`;
  }

  async analyze(
    customers: readonly CustomerHistory[],
    now: Date,
    options: AnalyzeOptions = {},
  ): Promise<CustomerAnalysis[]> {
    const statistical = await this.statistical.analyze(customers, now);
    const fallbacks = new Map<FallbackReason, number>();
    const fellBack = (reason: FallbackReason) => fallbacks.set(reason, (fallbacks.get(reason) ?? 0) + 1);
    // The gateway's bulkhead bounds how many of these calls run at once. The allowance is taken in
    // the customers' order, before any call is awaited.
    const analyses = await Promise.all(
      customers.map((history, i) => this.#analyzeOne(history, statistical[i]!, now, options, fellBack)),
    );
    // One ledger write per reason for the batch, however many customers it covers.
    const { ledger, log } = this.options;
    for (const [reason, count] of fallbacks) {
      ledger
        .recordFallback(new Date(), reason, count)
        .catch((failure: unknown) => log.error({ err: failure }, "could not record a Bedrock fallback"));
    }
    return analyses;
  }

  async #analyzeOne(
    history: CustomerHistory,
    statistical: CustomerAnalysis,
    now: Date,
    { modelCalls }: AnalyzeOptions,
    fellBack: (reason: FallbackReason) => void,
  ): Promise<CustomerAnalysis> {
    if (!statistical.predictions.length) return statistical; // nothing to ask about: no call, no cost
    if (modelCalls && !modelCalls.take()) {
      fellBack("request_limit");
      return this.#fallBack(statistical, "request_limit", undefined);
    }
    const { gateway, timeZone, log } = this.options;
    const prompt = buildCustomerPrompt(history, statistical, now, { ref: opaqueReference(), timeZone });
    try {
      const { toolInput } = await gateway.converse(prompt.text);
      const merged = mergeModelOutput(statistical, toolInput, prompt.categories, now, {
        timeZone,
        model: gateway.modelId,
        statisticalModel: this.statistical.version,
      });
      if (merged.fellBack || merged.unknown) {
        log.debug(
          { ref: prompt.ref, fellBack: merged.fellBack, unknown: merged.unknown },
          "partial model output",
        );
      }
      return merged.analysis;
    } catch (error) {
      const reason: FallbackReason =
        error instanceof ModelOutputError
          ? "malformed_output"
          : ((error as BedrockCallError).reason ?? "network");
      fellBack(reason);
      return this.#fallBack(statistical, reason, error);
    }
  }

  #fallBack(statistical: CustomerAnalysis, reason: FallbackReason, error: unknown): CustomerAnalysis {
    // The ref is per request and the customer id never reaches this class: logs name only the reason.
    // An exhausted budget and an open circuit are announced once where they happen, not per customer;
    // a request's call allowance running out is no failure at all.
    const quiet = reason === "budget" || reason === "circuit_open" || reason === "request_limit";
    this.options.log[quiet ? "debug" : "warn"](
      { reason, err: error },
      "Bedrock analysis not used: statistical predictions served instead",
    );
    return {
      ...statistical,
      predictions: statistical.predictions.map((p) => ({
        ...p,
        source: "STATISTICAL" as const,
        model: this.statistical.version,
      })),
      retryAfterMs: this.options.fallbackRetryMs ?? 10 * 60_000,
    };
  }
}

// ---- private helpers ----

/** A reference for one prompt that links to nobody (the customer id stays in this process). */
function opaqueReference(): string {
  return `r-${randomBytes(4).toString("hex")}`;
}
