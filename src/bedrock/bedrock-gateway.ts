// The one door to Bedrock for a process: the SDK client, bounded concurrency (bulkhead), bounded
// retries with backoff and jitter for what retrying can fix (throttling, 5xx, timeouts, resets), a
// circuit breaker that stops calling for a cool-down after repeated failures, the monthly budget, and
// a ledger row for every call. Callers get the tool input or a BedrockCallError naming the reason; they
// decide what to fall back to.
//
// The budget is a cap shared by every replica and process: each attempt, once it holds a concurrency
// slot and just before it is sent, reserves its worst-case cost in the database (one conditional
// UPDATE of the month's row, refused when the month's spend plus everything reserved would pass
// AI_MONTHLY_BUDGET_USD), and its real cost replaces the reservation when it ends. The spend can pass
// the budget only by what calls in flight cost beyond their estimate (see estimateCostUsd).
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import {
  BrokenCircuitError,
  bulkhead,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { Logger } from "../logger";
import type { CallRate } from "./call-rate";
import { SYSTEM_PROMPT, TOOL_INPUT_SCHEMA, TOOL_NAME } from "./prompt";
import type { FallbackReason, Reservation, UsageLedger } from "./usage-ledger";

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface BedrockGatewayOptions {
  modelId: string;
  region: string;
  /** Endpoint override (tests, VPC endpoints); default: the region's public endpoint. */
  endpoint?: string;
  maxConcurrency: number;
  timeoutMs: number;
  /** Retries after the first attempt, for retryable failures (default 2). */
  retries?: number;
  /** First retry delay (default 200 ms); later ones grow exponentially with jitter, up to 3 s. */
  retryDelayMs?: number;
  /** Consecutive failed calls that open the circuit (default 5), and for how long (default 30 s). */
  breakerFailures?: number;
  breakerCooldownMs?: number;
  monthlyBudgetUsd: number;
  price: ModelPrice;
  /** Output tokens allowed per call (also what a call reserves from the budget). */
  maxOutputTokens?: number;
  ledger: UsageLedger;
  log: Logger;
  /** BEDROCK_CALLS_PER_MINUTE's allowance (shared through Redis); absent → no limit. */
  callRate?: CallRate;
  /** How long an attempt may wait for the allowance before it gives up with "rate_limited" (default 0). */
  callRateWaitMs?: number;
  /** Tests: a client built elsewhere (default: one from the options, default AWS credential chain). */
  client?: BedrockRuntimeClient;
}

export class BedrockCallError extends Error {
  override name = "BedrockCallError";
  constructor(
    readonly reason: FallbackReason,
    message: string,
  ) {
    super(message);
  }
}

export interface ConverseResult {
  toolInput: unknown;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * @example
 *   const gateway = new BedrockGateway({ modelId, region: "us-east-1", maxConcurrency: 4, timeoutMs: 20_000,
 *     monthlyBudgetUsd: 50, price: { inputPerMTok: 1, outputPerMTok: 5 }, ledger, log });
 *   const { toolInput } = await gateway.converse(prompt.text);
 */
export class BedrockGateway {
  readonly modelId: string;
  readonly #options: BedrockGatewayOptions;
  readonly #client: BedrockRuntimeClient;
  readonly #policy;
  readonly #sendTimeout;
  /** The budget refused a call and that was logged: said once until a call is allowed again. */
  #budgetSpent = false;

  constructor(options: BedrockGatewayOptions) {
    this.modelId = options.modelId;
    this.#options = options;
    this.#client =
      options.client ??
      new BedrockRuntimeClient({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        // Retries are ours (below): they are counted, bounded and feed the circuit breaker.
        maxAttempts: 1,
      });
    const retryable = handleWhen((error) => error instanceof BedrockCallError && RETRYABLE.has(error.reason));
    const breaker = circuitBreaker(
      handleWhen((error) => error instanceof BedrockCallError && BREAKING.has(error.reason)),
      {
        halfOpenAfter: options.breakerCooldownMs ?? 30_000,
        breaker: new ConsecutiveBreaker(options.breakerFailures ?? 5),
      },
    );
    breaker.onBreak(() =>
      options.log.warn("Bedrock circuit open: statistical predictions until it recovers"),
    );
    breaker.onReset(() => options.log.info("Bedrock circuit closed again"));
    this.#policy = wrap(
      bulkhead(options.maxConcurrency, Number.MAX_SAFE_INTEGER),
      breaker,
      retry(retryable, {
        maxAttempts: options.retries ?? 2,
        backoff: new ExponentialBackoff({ initialDelay: options.retryDelayMs ?? 200, maxDelay: 3_000 }),
      }),
    );
    // Around the request alone: reserving and recording in the database are not Bedrock's time.
    this.#sendTimeout = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
  }

  /** The exact request one customer's prompt becomes (what `npm run analyze -- --dry-run` prints). */
  request(userText: string): ConverseCommandInput {
    return {
      modelId: this.modelId,
      system: [{ text: SYSTEM_PROMPT }],
      messages: [{ role: "user", content: [{ text: userText }] }],
      inferenceConfig: { maxTokens: this.#maxOutputTokens(), temperature: 0 },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: TOOL_NAME,
              description: "Record the adjusted predictions and insights for this shopper.",
              inputSchema: { json: TOOL_INPUT_SCHEMA as unknown as Record<string, never> },
            },
          },
        ],
        toolChoice: { tool: { name: TOOL_NAME } },
      },
    };
  }

  /**
   * The cost one call reserves from the budget: prompt tokens estimated at 4 characters each, plus
   * the full output allowance. The output can never pass it; the prompt's real token count can (a
   * text dense in digits runs nearer 3 characters a token), by a few hundred tokens' price.
   */
  estimateCostUsd(userText: string): number {
    const inputChars = SYSTEM_PROMPT.length + userText.length + JSON.stringify(TOOL_INPUT_SCHEMA).length;
    return this.#cost(Math.ceil(inputChars / 4) + TOOL_OVERHEAD_TOKENS, this.#maxOutputTokens());
  }

  /**
   * Sends one customer's prompt and returns the forced tool's input.
   * @throws BedrockCallError with the reason (budget, circuit_open, throttled, …); never anything else.
   */
  async converse(userText: string): Promise<ConverseResult> {
    try {
      // A signal of its own: cockatiel's default parent signal is shared by every execution, and each
      // running one hangs an abort listener on it (Node warns past 10).
      return await this.#policy.execute(
        ({ signal }) => this.#attempt(userText, signal),
        new AbortController().signal,
      );
    } catch (error) {
      if (error instanceof BedrockCallError) throw error;
      if (error instanceof BrokenCircuitError) throw new BedrockCallError("circuit_open", "circuit open");
      if (error instanceof TaskCancelledError) throw new BedrockCallError("timeout", "timed out");
      throw new BedrockCallError("network", (error as Error).message);
    }
  }

  get monthlyBudgetUsd(): number {
    return this.#options.monthlyBudgetUsd;
  }

  close(): void {
    this.#client.destroy();
  }

  async #attempt(userText: string, signal: AbortSignal): Promise<ConverseResult> {
    const { callRate, callRateWaitMs = 0 } = this.#options;
    // Before the budget: a call that does not go out reserves nothing.
    if (callRate && !(await callRate.take(callRateWaitMs))) {
      throw new BedrockCallError("rate_limited", "BEDROCK_CALLS_PER_MINUTE reached");
    }
    const reservation = await this.#reserve(this.estimateCostUsd(userText));
    const started = Date.now();
    let response: ConverseCommandOutput;
    try {
      response = await this.#sendTimeout.execute(
        ({ signal: deadline }) =>
          this.#client.send(new ConverseCommand(this.request(userText)), { abortSignal: deadline }),
        signal,
      );
    } catch (error) {
      const reason = error instanceof TaskCancelledError ? "timeout" : classify(error);
      await this.#record(reason, started, 0, 0, reservation);
      throw new BedrockCallError(reason, describeError(error));
    }
    const inputTokens = response.usage?.inputTokens ?? 0;
    const outputTokens = response.usage?.outputTokens ?? 0;
    const costUsd = this.#cost(inputTokens, outputTokens);
    const content = response.output?.message?.content ?? [];
    const tool = content.find((block) => block.toolUse?.name === TOOL_NAME)?.toolUse;
    let outcome: "ok" | FallbackReason = "ok";
    if (response.stopReason === "content_filtered" || response.stopReason === "guardrail_intervened") {
      outcome = "refusal";
    } else if (response.stopReason === "max_tokens") {
      outcome = "truncated";
    } else if (!tool) {
      const text = content.map((block) => block.text ?? "").join(" ");
      outcome = REFUSAL.test(text) ? "refusal" : "missing_tool";
    }
    await this.#record(outcome, started, inputTokens, outputTokens, reservation);
    if (outcome !== "ok")
      throw new BedrockCallError(
        outcome,
        `the model answered without a usable ${TOOL_NAME} call (${response.stopReason})`,
      );
    return { toolInput: tool!.input, inputTokens, outputTokens, costUsd };
  }

  /**
   * Sets the attempt's worst-case cost aside from the month's budget, or throws "budget". A ledger
   * that cannot be reached refuses too: a call whose cost cannot be counted is not made.
   */
  async #reserve(estimateUsd: number): Promise<Reservation> {
    const { ledger, monthlyBudgetUsd, log } = this.#options;
    let reservation: Reservation | undefined;
    try {
      reservation = await ledger.reserve(new Date(), estimateUsd, monthlyBudgetUsd);
    } catch (error) {
      log.error({ err: error }, "could not reserve a Bedrock call's cost: statistics instead");
      throw new BedrockCallError("budget", "the AI budget could not be checked");
    }
    if (!reservation) {
      if (!this.#budgetSpent) {
        log.warn(
          { budgetUsd: monthlyBudgetUsd },
          "AI_MONTHLY_BUDGET_USD reached: statistical predictions until the month rolls over or the budget is raised",
        );
      }
      this.#budgetSpent = true;
      throw new BedrockCallError("budget", "the month's AI budget is spent");
    }
    this.#budgetSpent = false;
    return reservation;
  }

  /** One ledger row per attempt; its real cost replaces its reservation (kept if this fails). */
  async #record(
    outcome: "ok" | FallbackReason,
    started: number,
    inputTokens: number,
    outputTokens: number,
    reservation: Reservation,
  ) {
    await this.#options.ledger
      .recordCall(
        {
          at: new Date(),
          model: this.modelId,
          inputTokens,
          outputTokens,
          costUsd: this.#cost(inputTokens, outputTokens),
          outcome,
          latencyMs: Date.now() - started,
        },
        reservation,
      )
      .catch((error: unknown) => this.#options.log.error({ err: error }, "could not record a Bedrock call"));
  }

  #cost(inputTokens: number, outputTokens: number): number {
    const { inputPerMTok, outputPerMTok } = this.#options.price;
    return (inputTokens * inputPerMTok + outputTokens * outputPerMTok) / 1_000_000;
  }

  #maxOutputTokens(): number {
    return this.#options.maxOutputTokens ?? 2_000;
  }
}

// ---- private helpers ----

const RETRYABLE = new Set<FallbackReason>(["throttled", "server_error", "timeout", "network"]);
/** Failures that say Bedrock itself is unwell (not this customer's answer). */
const BREAKING = new Set<FallbackReason>(["throttled", "server_error", "timeout", "network"]);
/** An answer in words instead of the tool call that declines the task. */
const REFUSAL = /\b(can(no|')t|unable|won't|will not|not able|sorry|declin)/i;

/** Tokens the forced tool definition adds beyond its JSON text (Anthropic's tool-use system prompt). */
const TOOL_OVERHEAD_TOKENS = 350;

function classify(error: unknown): FallbackReason {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e.$metadata?.httpStatusCode;
  // No credentials in the default chain: nothing a retry fixes, and no request was sent.
  if (e.name === "CredentialsProviderError" || /credential/i.test(String((error as Error).message))) {
    return "rejected";
  }
  if (e.name === "ThrottlingException" || e.name === "ServiceQuotaExceededException" || status === 429) {
    return "throttled";
  }
  // A dropped connection: the SDK may wrap it as a TimeoutError, but nothing timed out.
  if (
    /ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|did not get a response|stream/i.test(describeError(error))
  ) {
    return "network";
  }
  if (e.name === "ModelTimeoutException" || e.name === "TimeoutError" || status === 408) return "timeout";
  if (status !== undefined && status >= 500) return "server_error";
  if (status !== undefined && status >= 400) return "rejected";
  // No HTTP answer: a reset, refused connection, or a body the SDK could not parse.
  if (e.name === "SyntaxError" || /deserializ|JSON/i.test(String((error as Error).message))) {
    return "malformed_output";
  }
  return "network";
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${String(e.message ?? error).slice(0, 200)}`;
}
