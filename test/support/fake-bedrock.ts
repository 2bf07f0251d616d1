// A local fake of the Bedrock Runtime Converse API over real HTTP, for tests and benches.
//
// The real @aws-sdk/client-bedrock-runtime client sends through NodeHttp2Handler by default, which
// calls http2.connect(endpoint): for an http:// endpoint that is cleartext HTTP/2 with prior
// knowledge (h2c), one isolated session per request (the client sets disableConcurrentStreams).
// Node's plaintext http2 server ignores allowHTTP1, so one port serving both HTTP/2 and HTTP/1.1
// (a client with NodeHttpHandler, fetch, curl) needs a net.Server that peeks at each connection's
// first bytes: the HTTP/2 connection preface goes to an http2 server, anything else to an http one.
//
// Errors follow the restJson1 shape the SDK reads: the status code, an `x-amzn-ErrorType` header
// ("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"; the SDK keeps what
// comes before ":") and a JSON body {"message": "..."}. The SDK then throws its modeled exception
// class (name "ThrottlingException", $metadata.httpStatusCode 429, $fault "client").
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

/** What the fake can do to a request instead of answering it normally. */
export type FaultKind =
  /** 429 ThrottlingException. */
  | "throttle"
  /** 500 InternalServerException and 503 ServiceUnavailableException, alternately (500 first). */
  | "error5xx"
  /** 500 InternalServerException. */
  | "internalError"
  /** 503 ServiceUnavailableException. */
  | "serviceUnavailable"
  /** 408 ModelTimeoutException, answered at once. */
  | "modelTimeout"
  /** 400 ValidationException. */
  | "validation"
  /** 403 AccessDeniedException. */
  | "accessDenied"
  /** Never answers: held until `holdMs` passes (then 408 ModelTimeoutException) or the fake closes. */
  | "timeout"
  /** Destroys the TCP connection after reading the request (on HTTP/2, every stream on it). */
  | "reset"
  /** RST_STREAM (INTERNAL_ERROR) after reading the request on HTTP/2; on HTTP/1.1 the same as reset. */
  | "streamReset"
  /** 200 with a body that is not JSON (a truncated Converse response). */
  | "malformedJson"
  /** 200, a valid Converse response whose content is prose with no toolUse, stopReason end_turn. */
  | "nonJsonText"
  /** 200, stopReason max_tokens, the toolUse input cut down to its first half (recursively). */
  | "partialJson"
  /** 200, stopReason tool_use but the content holds only a text block. */
  | "missingTool"
  /** 200, text "I can't help with that.", stopReason end_turn. */
  | "refusal"
  /** 200, empty text, stopReason content_filtered. */
  | "contentFiltered"
  /** 200, the guardrail's canned text, stopReason guardrail_intervened. */
  | "guardrail";

export const FAULT_KINDS: readonly FaultKind[] = [
  "throttle",
  "error5xx",
  "internalError",
  "serviceUnavailable",
  "modelTimeout",
  "validation",
  "accessDenied",
  "timeout",
  "reset",
  "streamReset",
  "malformedJson",
  "nonJsonText",
  "partialJson",
  "missingTool",
  "refusal",
  "contentFiltered",
  "guardrail",
];

/** A delay in ms, fixed or drawn uniformly from [min, max] with the fake's seeded RNG. */
export type Delay = number | { min: number; max: number };

export interface FaultConfig {
  /** Probability in [0, 1] that a request gets a random fault from `kinds`. Default 0. */
  rate?: number;
  /** The kinds a random fault is drawn from, uniformly. Default ["throttle", "error5xx"]. */
  kinds?: readonly FaultKind[];
  /** Seed of the RNG behind `rate`, `kinds` and ranged delays. Default 1. */
  seed?: number;
  /** Delay before every answer (normal or fault; not `reset` or `timeout`). Default 0. */
  latencyMs?: Delay;
  /** How long a `timeout` fault holds its request before a 408; default: until close(). */
  holdMs?: number;
}

/** One request as the fake received it. */
export interface FakeBedrockRequest {
  /** 1-based arrival order. */
  seq: number;
  method: string;
  path: string;
  /** URL-decoded {modelId} of POST /model/{modelId}/converse; undefined for other paths. */
  modelId: string | undefined;
  /** "2.0" for the SDK's default handler, "1.1" for NodeHttpHandler / fetch. */
  httpVersion: string;
  /** Lower-cased headers (HTTP/2 pseudo-headers included). */
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: ConverseWireRequest | undefined;
  /** The parsed SigV4 credential scope, when the authorization header had one. */
  sigv4: SigV4Scope | undefined;
  /** The forced tool (toolChoice.tool.name), else the first tool, else undefined. */
  toolName: string | undefined;
  /** All text blocks of `system` and `messages`, joined by "\n". */
  promptText: string;
  /** What the fake did with it: a fault kind, "ok", or "rejected" (auth, routing or body errors). */
  outcome: FaultKind | "ok" | "rejected" | "pending";
  receivedAt: number;
}

export interface SigV4Scope {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

/** The subset of the Converse request JSON the fake looks at. */
export interface ConverseWireRequest {
  messages?: { role: string; content: Record<string, unknown>[] }[];
  system?: Record<string, unknown>[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools?: { toolSpec?: { name: string; description?: string; inputSchema?: { json?: unknown } } }[];
    toolChoice?: { tool?: { name: string }; any?: object; auto?: object };
  };
  [key: string]: unknown;
}

/**
 * Produces the toolUse `input` (or, without tools, the value whose JSON is the text reply).
 * Throw a FakeBedrockFault to answer this one request with a fault instead.
 */
export type Responder = (request: FakeBedrockRequest) => unknown;

/** Thrown by a responder to turn the current request into a fault. */
export class FakeBedrockFault extends Error {
  constructor(readonly kind: FaultKind) {
    super(`fake bedrock fault: ${kind}`);
    this.name = "FakeBedrockFault";
  }
}

export interface FakeBedrockStats {
  /** Requests received (including rejected ones). */
  requests: number;
  /** Requests answered normally. */
  ok: number;
  /** Requests rejected for a missing signature, an unknown path or a non-JSON body. */
  rejected: number;
  /** Requests per fault kind applied. */
  faults: Record<FaultKind, number>;
  /** Requests received and not yet answered, reset or abandoned. */
  inFlight: number;
  maxInFlight: number;
}

export interface FakeBedrockOptions {
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  responder?: Responder;
  faults?: FaultConfig;
  /** Reject requests without a SigV4 authorization header and x-amz-date with 403. Default true. */
  requireSigV4?: boolean;
  /** Keep at most this many most recent requests in `requests`. Default 10,000. */
  maxRecorded?: number;
}

export interface FakeBedrock {
  /** "http://127.0.0.1:<port>", for the client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Recorded requests, oldest first (live array; trimmed to `maxRecorded`). */
  readonly requests: FakeBedrockRequest[];
  readonly stats: FakeBedrockStats;
  /** Replace the responder (undefined: the default one, which answers `{}`). */
  setResponder(responder: Responder | undefined): void;
  /** Replace the random fault configuration (null: no random faults, no latency); resets the RNG. */
  setFaults(config: FaultConfig | null): void;
  /** Apply `kind` to the next `count` requests (queued before random faults; FIFO). */
  failNext(kind: FaultKind, count?: number): void;
  /** Forget recorded requests, counters and queued faults. */
  clear(): void;
  /** End every connection, held request and pending delay, and stop listening. Idempotent. */
  close(): Promise<void>;
}

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
const SIGV4_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

interface ErrorSpec {
  status: number;
  type: string;
  message: string;
}

const ERRORS = {
  throttle: {
    status: 429,
    type: "ThrottlingException",
    message: "Too many requests, please wait before trying again.",
  },
  internalError: { status: 500, type: "InternalServerException", message: "Internal server error (fake)." },
  serviceUnavailable: {
    status: 503,
    type: "ServiceUnavailableException",
    message: "Service unavailable (fake).",
  },
  modelTimeout: {
    status: 408,
    type: "ModelTimeoutException",
    message: "Model has timed out in processing the request. Try your request again.",
  },
  validation: { status: 400, type: "ValidationException", message: "Malformed input request (fake)." },
  accessDenied: {
    status: 403,
    type: "AccessDeniedException",
    message: "You don't have access to the model with the specified model ID.",
  },
} satisfies Record<string, ErrorSpec>;

/**
 * Bedrock settings aimed at the fake, as most tests use them: the model, region, endpoint and price,
 * 4 calls at once, 10 s a call, $100 a month. Spread them first and override what a test is about.
 */
export function fakeBedrockSettings(fake: Pick<FakeBedrock, "endpoint">) {
  return {
    modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    region: "us-east-1",
    endpoint: fake.endpoint,
    maxConcurrency: 4,
    timeoutMs: 10_000,
    monthlyBudgetUsd: 100,
    price: { inputPerMTok: 1, outputPerMTok: 5 },
  };
}

/** Starts the fake on 127.0.0.1 (by default on a free port). */
export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const fake = new FakeBedrockServer(options);
  await fake.listen(options.host ?? "127.0.0.1", options.port ?? 0);
  return fake;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

class FakeBedrockServer implements FakeBedrock {
  readonly requests: FakeBedrockRequest[] = [];
  stats: FakeBedrockStats = emptyStats();
  private responder: Responder | undefined;
  private faultConfig: FaultConfig = {};
  private rng: () => number = mulberry32(1);
  private queued: FaultKind[] = [];
  private seq = 0;
  private error5xxCount = 0;
  private closed = false;
  /** The socket being handed to the http2 server, so its session can find it. */
  private routing: net.Socket | undefined;
  private closing: Promise<void> | undefined;
  private address = { host: "127.0.0.1", port: 0 };
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** One per unanswered request; aborted when its response closes or at close(), ending its waits. */
  private readonly live = new Set<AbortController>();
  private readonly requireSigV4: boolean;
  private readonly maxRecorded: number;
  private readonly netServer: net.Server;
  private readonly h1Server: http.Server;
  private readonly h2Server: http2.Http2Server;

  constructor(options: FakeBedrockOptions) {
    this.responder = options.responder;
    this.requireSigV4 = options.requireSigV4 ?? true;
    this.maxRecorded = options.maxRecorded ?? 10_000;
    this.setFaults(options.faults ?? null);
    const handler = (req: Req, res: Res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the fake itself: answer 500 so the test fails loudly rather than hanging.
        if (!res.headersSent && !res.destroyed) {
          sendError(res, { ...ERRORS.internalError, message: `fake bedrock bug: ${String(error)}` });
        }
      });
    };
    this.h1Server = http.createServer(handler);
    this.h2Server = http2.createServer({}, handler);
    this.h2Server.on("session", (session: http2.ServerHttp2Session) => {
      // route() emits "connection" and the http2 server creates the session synchronously.
      if (this.routing) rawSockets.set(session, this.routing);
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      session.on("error", () => {});
    });
    this.netServer = net.createServer((socket) => this.route(socket));
  }

  get endpoint(): string {
    return `http://${this.address.host}:${this.address.port}`;
  }

  get port(): number {
    return this.address.port;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.netServer.once("error", reject);
      this.netServer.listen(port, host, () => {
        this.netServer.off("error", reject);
        const address = this.netServer.address() as net.AddressInfo;
        this.address = {
          host: address.family === "IPv6" ? `[${address.address}]` : address.address,
          port: address.port,
        };
        resolve();
      });
    });
  }

  setResponder(responder: Responder | undefined): void {
    this.responder = responder;
  }

  setFaults(config: FaultConfig | null): void {
    this.faultConfig = { ...(config ?? {}) };
    const rate = this.faultConfig.rate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be in [0, 1], got ${rate}`);
    if (this.faultConfig.kinds?.length === 0) throw new RangeError("fault kinds must not be empty");
    this.rng = mulberry32(this.faultConfig.seed ?? 1);
  }

  failNext(kind: FaultKind, count = 1): void {
    for (let i = 0; i < count; i++) this.queued.push(kind);
  }

  clear(): void {
    this.requests.length = 0;
    const { inFlight } = this.stats;
    this.stats = { ...emptyStats(), inFlight, maxInFlight: inFlight };
    this.queued = [];
    this.seq = 0;
    this.error5xxCount = 0;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true;
      for (const request of this.live) request.abort();
      this.netServer.close(() => resolve());
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  /** Peeks at a new connection: the HTTP/2 preface goes to the http2 server, the rest to http. */
  private route(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const n = Math.min(buffered.length, H2_PREFACE.length);
      const isH2 = buffered.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && n < H2_PREFACE.length) return; // a prefix of the preface so far: wait for more
      socket.off("data", onData);
      socket.pause();
      socket.unshift(buffered);
      if (isH2) {
        // The http2 session reads what the socket already buffered, then takes over its handle.
        this.routing = socket;
        try {
          this.h2Server.emit("connection", socket);
        } finally {
          this.routing = undefined;
        }
      } else {
        this.h1Server.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  private async handle(req: Req, res: Res): Promise<void> {
    const receivedAt = Date.now();
    this.stats.requests++;
    this.stats.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        this.stats.inFlight--;
      }
    };
    res.once("close", settle);
    // Cancels waits when the client goes away (its own timeout) or the fake closes.
    const gone = new AbortController();
    this.live.add(gone);
    res.once("close", () => {
      this.live.delete(gone);
      gone.abort();
    });
    const signal = gone.signal;

    const rawBody = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    const match = /^\/model\/([^/]+)\/converse$/.exec(url.pathname);
    const headers = { ...req.headers } as Record<string, string | string[] | undefined>;
    const body = parseJson(rawBody);
    const sigv4 = parseSigV4(headers);
    const recorded: FakeBedrockRequest = {
      seq: ++this.seq,
      method: req.method ?? "",
      path: url.pathname,
      modelId: match ? decodeURIComponent(match[1]!) : undefined,
      httpVersion: req.httpVersion,
      headers,
      rawBody,
      body: isObject(body) ? (body as ConverseWireRequest) : undefined,
      sigv4,
      toolName: undefined,
      promptText: "",
      outcome: "pending",
      receivedAt,
    };
    if (recorded.body) {
      recorded.toolName = toolNameOf(recorded.body);
      recorded.promptText = promptTextOf(recorded.body);
    }
    this.record(recorded);

    const reject = (spec: ErrorSpec) => {
      recorded.outcome = "rejected";
      this.stats.rejected++;
      sendError(res, spec);
    };
    const signed = sigv4?.service === "bedrock" && sigv4.amzDate !== "";
    if (this.requireSigV4 && !signed) {
      reject({
        status: 403,
        type: "AccessDeniedException",
        message: "Missing or malformed SigV4 authorization (expected AWS4-HMAC-SHA256 for service bedrock).",
      });
      return;
    }
    if (req.method !== "POST" || !match) {
      reject({
        status: 404,
        type: "UnknownOperationException",
        message: `No operation at ${req.method} ${url.pathname}`,
      });
      return;
    }
    if (!recorded.body) {
      reject({ ...ERRORS.validation, message: "The request body is not a JSON object." });
      return;
    }

    let fault = this.nextFault();
    let input: unknown = {};
    if (fault === undefined || fault === "partialJson") {
      try {
        input = this.responder ? await this.responder(recorded) : {};
      } catch (error) {
        if (!(error instanceof FakeBedrockFault)) {
          recorded.outcome = "rejected";
          this.stats.rejected++;
          sendError(res, {
            ...ERRORS.internalError,
            message: `fake bedrock responder threw: ${String(error)}`,
          });
          return;
        }
        fault = error.kind;
      }
    }
    recorded.outcome = fault ?? "ok";
    if (fault) this.stats.faults[fault]++;
    else this.stats.ok++;

    if (fault === "reset" || fault === "streamReset") {
      resetRequest(req, res, fault);
      settle();
      return;
    }
    if (fault === "timeout") {
      const holdMs = this.faultConfig.holdMs;
      await wait(holdMs ?? Number.POSITIVE_INFINITY, signal);
      if (signal.aborted) return;
      sendError(res, ERRORS.modelTimeout);
      return;
    }
    const latency = this.drawDelay(this.faultConfig.latencyMs);
    if (latency > 0) {
      await wait(latency, signal);
      if (signal.aborted) return;
    }
    if (res.destroyed) return;
    const error = this.errorFor(fault);
    if (error) {
      sendError(res, error);
      return;
    }
    if (fault === "malformedJson") {
      send(res, 200, '{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_');
      return;
    }
    const reply = buildReply(recorded, input, fault, receivedAt);
    send(res, 200, JSON.stringify(reply));
  }

  private record(request: FakeBedrockRequest): void {
    this.requests.push(request);
    if (this.requests.length > this.maxRecorded)
      this.requests.splice(0, this.requests.length - this.maxRecorded);
  }

  private nextFault(): FaultKind | undefined {
    const queued = this.queued.shift();
    if (queued) return queued;
    const rate = this.faultConfig.rate ?? 0;
    if (rate <= 0) return undefined;
    if (this.rng() >= rate) return undefined;
    const kinds = this.faultConfig.kinds ?? ["throttle", "error5xx"];
    return kinds[Math.min(kinds.length - 1, Math.floor(this.rng() * kinds.length))];
  }

  private drawDelay(delay: Delay | undefined): number {
    if (delay === undefined) return 0;
    if (typeof delay === "number") return delay;
    return delay.min + this.rng() * (delay.max - delay.min);
  }

  private errorFor(fault: FaultKind | undefined): ErrorSpec | undefined {
    switch (fault) {
      case "throttle":
      case "internalError":
      case "serviceUnavailable":
      case "modelTimeout":
      case "validation":
      case "accessDenied":
        return ERRORS[fault];
      case "error5xx":
        return this.error5xxCount++ % 2 === 0 ? ERRORS.internalError : ERRORS.serviceUnavailable;
      default:
        return undefined;
    }
  }
}

interface ConverseWireResponse {
  output: { message: { role: "assistant"; content: Record<string, unknown>[] } };
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  metrics: { latencyMs: number };
}

function buildReply(
  request: FakeBedrockRequest,
  input: unknown,
  fault: FaultKind | undefined,
  receivedAt: number,
): ConverseWireResponse {
  const toolName = request.toolName;
  const toolUse = (value: unknown) => ({
    toolUse: {
      toolUseId: `tooluse_fake${String(request.seq).padStart(8, "0")}`,
      name: toolName,
      input: value,
    },
  });
  let content: Record<string, unknown>[];
  let stopReason: string;
  switch (fault) {
    case "nonJsonText":
      content = [{ text: "Based on the purchase history, this customer will probably buy again soon." }];
      stopReason = "end_turn";
      break;
    case "partialJson":
      content = toolName ? [toolUse(truncate(input))] : [{ text: JSON.stringify(input).slice(0, -1) }];
      stopReason = "max_tokens";
      break;
    case "missingTool":
      content = [{ text: "I will now call the tool." }];
      stopReason = "tool_use";
      break;
    case "refusal":
      content = [{ text: "I can't help with that." }];
      stopReason = "end_turn";
      break;
    case "contentFiltered":
      content = [{ text: "" }];
      stopReason = "content_filtered";
      break;
    case "guardrail":
      content = [{ text: "Sorry, the model cannot answer this question." }];
      stopReason = "guardrail_intervened";
      break;
    default:
      content = toolName ? [toolUse(input)] : [{ text: JSON.stringify(input ?? null) }];
      stopReason = toolName ? "tool_use" : "end_turn";
  }
  const inputTokens = Math.max(1, Math.ceil(request.rawBody.length / 4));
  const outputTokens = Math.max(1, Math.ceil(JSON.stringify(content).length / 4));
  return {
    output: { message: { role: "assistant", content } },
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: Math.max(1, Date.now() - receivedAt) },
  };
}

/** Keeps the first half of an object's keys (an array's items), truncating the last kept value. */
function truncate(value: unknown): unknown {
  if (Array.isArray(value)) {
    const kept = value.slice(0, Math.floor(value.length / 2));
    if (kept.length > 0) kept[kept.length - 1] = truncate(kept[kept.length - 1]);
    return kept;
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    const kept = entries.slice(0, Math.floor(entries.length / 2));
    const last = kept[kept.length - 1];
    if (last) last[1] = truncate(last[1]);
    return Object.fromEntries(kept);
  }
  return value;
}

function toolNameOf(body: ConverseWireRequest): string | undefined {
  const forced = body.toolConfig?.toolChoice?.tool?.name;
  if (forced) return forced;
  return body.toolConfig?.tools?.find((tool) => tool.toolSpec?.name)?.toolSpec?.name;
}

function promptTextOf(body: ConverseWireRequest): string {
  const texts: string[] = [];
  for (const block of body.system ?? []) if (typeof block.text === "string") texts.push(block.text);
  for (const message of body.messages ?? []) {
    for (const block of message.content ?? []) if (typeof block.text === "string") texts.push(block.text);
  }
  return texts.join("\n");
}

function parseSigV4(headers: Record<string, string | string[] | undefined>): SigV4Scope | undefined {
  const authorization = headers.authorization;
  const amzDate = headers["x-amz-date"];
  if (typeof authorization !== "string") return undefined;
  const match = SIGV4_PATTERN.exec(authorization);
  if (!match) return undefined;
  return {
    accessKeyId: match[1]!,
    date: match[2]!,
    region: match[3]!,
    service: match[4]!,
    signedHeaders: match[5]!.split(";"),
    signature: match[6]!,
    amzDate: typeof amzDate === "string" ? amzDate : "",
  };
}

let requestIds = 0;

function send(res: Res, status: number, body: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": payload.length,
    "x-amzn-requestid": `fake-${process.pid}-${++requestIds}`,
    ...extraHeaders,
  };
  try {
    // Both response classes have writeHead/end with these shapes; their union type does not.
    (res as http.ServerResponse).writeHead(status, headers);
    (res as http.ServerResponse).end(payload);
  } catch {
    // The client went away meanwhile (an HTTP/2 stream closes without marking the response destroyed).
  }
}

function sendError(res: Res, spec: ErrorSpec): void {
  send(res, spec.status, JSON.stringify({ message: spec.message }), {
    "x-amzn-errortype": `${spec.type}${ERROR_TYPE_SUFFIX}`,
  });
}

/**
 * The TCP socket under each HTTP/2 session: `session.socket` is a proxy that refuses destroy().
 */
const rawSockets = new WeakMap<http2.Http2Session, net.Socket>();

function resetRequest(req: Req, res: Res, kind: "reset" | "streamReset"): void {
  if (!("stream" in res)) {
    resetSocket((req as http.IncomingMessage).socket);
  } else if (kind === "streamReset") {
    res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  } else {
    const socket = res.stream.session && rawSockets.get(res.stream.session);
    if (socket) resetSocket(socket);
    else res.stream.session?.destroy();
  }
}

/** Sends a TCP RST (the peer sees ECONNRESET) rather than a FIN. */
function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function readBody(req: Req): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    // A client that gives up mid-body: answer nothing, the response is gone anyway.
    req.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("aborted", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** Resolves after `ms` or as soon as `signal` aborts, whichever is first. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    if (Number.isFinite(ms)) timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function emptyStats(): FakeBedrockStats {
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  return { requests: 0, ok: 0, rejected: 0, faults, inFlight: 0, maxInFlight: 0 };
}

/** A small seeded PRNG (mulberry32): deterministic fault sequences for a given seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
