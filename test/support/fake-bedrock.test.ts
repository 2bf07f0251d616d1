import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type FakeBedrock, FakeBedrockFault, type FaultKind, startFakeBedrock } from "./fake-bedrock";

const MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0";
const TOOL = "record_analysis";
const ANALYSIS = { customerId: "c-1", predictions: [{ category: "coffee", days: 7 }], confidence: 0.8 };

let fake: FakeBedrock;
const clients: BedrockRuntimeClient[] = [];

function client(config: Partial<BedrockRuntimeClientConfig> = {}): BedrockRuntimeClient {
  const created = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: fake.endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    maxAttempts: 1,
    ...config,
  });
  clients.push(created);
  return created;
}

function http1Client(): BedrockRuntimeClient {
  return client({ requestHandler: new NodeHttpHandler() });
}

function converse(withTool = true): ConverseCommand {
  return new ConverseCommand({
    modelId: MODEL_ID,
    system: [{ text: "You analyse customers." }],
    messages: [{ role: "user", content: [{ text: "Customer c-1 bought coffee every week." }] }],
    inferenceConfig: { maxTokens: 512, temperature: 0 },
    ...(withTool
      ? {
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: TOOL,
                  description: "Record the analysis",
                  inputSchema: { json: { type: "object", required: ["customerId", "predictions"] } },
                },
              },
            ],
            toolChoice: { tool: { name: TOOL } },
          },
        }
      : {}),
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** "name: message", the same whether or not the SDK wrapped a cross-realm error. */
function nameAndMessage(error: Error): string {
  return `${error.name}: ${error.message}`;
}

function toolInput(output: ConverseCommandOutput): unknown {
  return output.output?.message?.content?.find((block) => block.toolUse)?.toolUse?.input;
}

function text(output: ConverseCommandOutput): string | undefined {
  return output.output?.message?.content?.find((block) => block.text !== undefined)?.text;
}

beforeEach(async () => {
  fake = await startFakeBedrock({ responder: () => ANALYSIS });
});

afterEach(async () => {
  for (const created of clients.splice(0)) created.destroy();
  await fake.close();
});

describe("fake Bedrock Runtime with the real SDK", () => {
  test("the default (HTTP/2 h2c) handler gets a forced toolUse reply with usage, and the request is recorded", async () => {
    const output = await client().send(converse());

    expect(output.stopReason).toBe("tool_use");
    const toolUse = output.output?.message?.content?.[0]?.toolUse;
    expect(toolUse).toMatchObject({ name: TOOL, input: ANALYSIS });
    expect(toolUse?.toolUseId).toMatch(/^tooluse_/);
    expect(output.usage?.inputTokens).toBeGreaterThan(0);
    expect(output.usage?.outputTokens).toBeGreaterThan(0);
    expect(output.usage?.totalTokens).toBe(output.usage!.inputTokens! + output.usage!.outputTokens!);
    expect(output.metrics?.latencyMs).toBeGreaterThan(0);
    expect(output.$metadata).toMatchObject({
      httpStatusCode: 200,
      requestId: expect.stringMatching(/^fake-/),
    });

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: "POST",
      modelId: MODEL_ID,
      httpVersion: "2.0",
      toolName: TOOL,
      outcome: "ok",
      sigv4: { accessKeyId: "AKIDTEST", region: "us-east-1", service: "bedrock" },
    });
    expect(request!.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
    );
    expect(request!.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request!.body?.toolConfig?.toolChoice).toEqual({ tool: { name: TOOL } });
    expect(request!.body?.inferenceConfig).toEqual({ maxTokens: 512, temperature: 0 });
    expect(request!.promptText).toContain("Customer c-1 bought coffee");
    expect(fake.stats).toMatchObject({ requests: 1, ok: 1, rejected: 0, inFlight: 0 });
  });

  test("an HTTP/1.1 client (NodeHttpHandler) works on the same port", async () => {
    const output = await http1Client().send(converse());

    expect(toolInput(output)).toEqual(ANALYSIS);
    expect(fake.requests[0]?.httpVersion).toBe("1.1");
    expect(fake.requests[0]?.sigv4?.accessKeyId).toBe("AKIDTEST");
  });

  test("the default responder answers {} and, without tools, replies with text", async () => {
    fake.setResponder(undefined);
    const sdk = client();

    expect(toolInput(await sdk.send(converse()))).toEqual({});
    const plain = await sdk.send(converse(false));
    expect(plain.stopReason).toBe("end_turn");
    expect(text(plain)).toBe("{}");
  });

  test("the responder sees the parsed request", async () => {
    fake.setResponder((request) => ({ echoed: request.body?.messages?.[0]?.content[0]?.text }));

    const output = await client().send(converse());

    expect(toolInput(output)).toEqual({ echoed: "Customer c-1 bought coffee every week." });
  });

  test.each<[FaultKind, string, number, "client" | "server"]>([
    ["throttle", "ThrottlingException", 429, "client"],
    ["internalError", "InternalServerException", 500, "server"],
    ["serviceUnavailable", "ServiceUnavailableException", 503, "server"],
    ["modelTimeout", "ModelTimeoutException", 408, "client"],
    ["validation", "ValidationException", 400, "client"],
    ["accessDenied", "AccessDeniedException", 403, "client"],
  ])("%s surfaces as the SDK's %s (%d)", async (kind, name, status, fault) => {
    fake.failNext(kind);
    const sdk = client();

    const error = await failure(sdk.send(converse()));

    expect(error.name).toBe(name);
    expect(error.$fault).toBe(fault);
    expect(error.$metadata).toMatchObject({
      httpStatusCode: status,
      requestId: expect.stringMatching(/^fake-/),
    });
    expect(error.message.length).toBeGreaterThan(0);
    expect(fake.stats.faults[kind]).toBe(1);
    expect(fake.requests[0]?.outcome).toBe(kind);
    // The queued fault is used up: the next request succeeds.
    expect(toolInput(await sdk.send(converse()))).toEqual(ANALYSIS);
  });

  test("error5xx alternates 500 InternalServerException and 503 ServiceUnavailableException", async () => {
    fake.failNext("error5xx", 3);
    const sdk = client();

    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await failure(sdk.send(converse())));

    expect(
      errors.map((error) => [error.name, (error.$metadata as { httpStatusCode: number }).httpStatusCode]),
    ).toEqual([
      ["InternalServerException", 500],
      ["ServiceUnavailableException", 503],
      ["InternalServerException", 500],
    ]);
    expect(fake.stats.faults.error5xx).toBe(3);
  });

  test("malformedJson is a 200 the SDK fails to deserialize", async () => {
    fake.failNext("malformedJson", 2);

    for (const sdk of [client(), http1Client()]) {
      const error = await failure(sdk.send(converse()));
      expect(error.name).toBe("SyntaxError");
      expect(error.message).toContain("Deserialization error");
      expect(error.$metadata).toMatchObject({ httpStatusCode: 200 });
      expect(error.$response).toBeDefined();
    }
  });

  test("content faults come back as well-formed but unusable replies", async () => {
    const sdk = client();
    const reply = async (kind: FaultKind) => {
      fake.failNext(kind);
      return sdk.send(converse());
    };

    const prose = await reply("nonJsonText");
    expect(prose.stopReason).toBe("end_turn");
    expect(toolInput(prose)).toBeUndefined();
    expect(() => JSON.parse(text(prose) ?? "")).toThrow();

    const partial = await reply("partialJson");
    expect(partial.stopReason).toBe("max_tokens");
    expect(toolInput(partial)).toEqual({ customerId: "c-1" });

    const missing = await reply("missingTool");
    expect(missing.stopReason).toBe("tool_use");
    expect(toolInput(missing)).toBeUndefined();

    const refusal = await reply("refusal");
    expect(refusal.stopReason).toBe("end_turn");
    expect(text(refusal)).toBe("I can't help with that.");

    expect((await reply("contentFiltered")).stopReason).toBe("content_filtered");
    expect((await reply("guardrail")).stopReason).toBe("guardrail_intervened");
    expect(fake.stats.faults).toMatchObject({
      nonJsonText: 1,
      partialJson: 1,
      missingTool: 1,
      refusal: 1,
      contentFiltered: 1,
      guardrail: 1,
    });
  });

  test("reset drops the connection: HTTP/2 and HTTP/1.1 both see a TimeoutError the SDK retries", async () => {
    fake.failNext("reset", 2);

    const h2 = await failure(client().send(converse()));
    expect(h2.name).toBe("TimeoutError");
    expect(h2.message).toContain("http2 request did not get a response");

    // Node's own socket errors come from outside jest's realm, so the SDK's `instanceof Error` check
    // fails and it rethrows "AWS SDK error wrapper for TimeoutError: read ECONNRESET" (outside jest:
    // the original error, name TimeoutError, code ECONNRESET). nameAndMessage() covers both.
    const h1 = await failure(http1Client().send(converse()));
    expect(nameAndMessage(h1)).toMatch(/TimeoutError: .*read ECONNRESET/);
    expect(fake.stats.faults.reset).toBe(2);
  });

  test("streamReset sends RST_STREAM on HTTP/2", async () => {
    fake.failNext("streamReset");

    const error = await failure(client().send(converse()));

    // Not one of the SDK's transient errors (only NGHTTP2_REFUSED_STREAM is): no retry.
    expect(nameAndMessage(error)).toContain("Stream closed with error code NGHTTP2_INTERNAL_ERROR");
  });

  test("retries with the SDK's standard strategy get past transient faults", async () => {
    fake.failNext("throttle");
    fake.failNext("error5xx");
    fake.failNext("reset");
    // The SDK's standard retry decisions, with a 1 ms backoff instead of its jittered 100-500 ms base.
    const sdk = client({ retryStrategy: new ConfiguredRetryStrategy(4, 1) });

    const output = await sdk.send(converse());

    expect(toolInput(output)).toEqual(ANALYSIS);
    expect(output.$metadata.attempts).toBe(4);
    expect(fake.requests.map((request) => request.outcome)).toEqual(["throttle", "error5xx", "reset", "ok"]);
  });

  test("a held timeout trips the client's request timeout; a finite hold ends in a 408", async () => {
    fake.failNext("timeout");
    const impatient = client({ requestHandler: { requestTimeout: 150 } });
    const error = await failure(impatient.send(converse()));
    expect(error.name).toBe("TimeoutError");
    await until(() => fake.stats.inFlight === 0);

    fake.setFaults({ holdMs: 50 });
    fake.failNext("timeout");
    const started = Date.now();
    const held = await failure(client().send(converse()));
    expect(held.name).toBe("ModelTimeoutException");
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(fake.stats.faults.timeout).toBe(2);
  });

  test("close() ends a request held forever, and the client sees the connection go", async () => {
    fake.failNext("timeout", 2);
    const pending = [failure(client().send(converse())), failure(http1Client().send(converse()))];
    await until(() => fake.stats.inFlight === 2);

    const started = Date.now();
    await fake.close();

    expect(Date.now() - started).toBeLessThan(1_000);
    const [h2, h1] = await Promise.all(pending);
    expect(h2).toBeInstanceOf(Error);
    expect(h1).toBeInstanceOf(Error);
    await fake.close(); // idempotent
  });

  test("unsigned requests get a 403 AccessDeniedException; unknown paths a 404", async () => {
    const unsigned = await fetch(`${fake.endpoint}/model/${encodeURIComponent(MODEL_ID)}/converse`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [] }),
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toMatch(/^AccessDeniedException:/);
    expect(await unsigned.json()).toEqual({ message: expect.stringContaining("SigV4") });

    const sdk = client();
    const response = await sdk.send(converse());
    expect(response.$metadata.httpStatusCode).toBe(200);
    const wrongPath = await fetch(`${fake.endpoint}/nowhere`, {
      method: "POST",
      headers: {
        authorization: fake.requests[1]!.headers.authorization as string,
        "x-amz-date": fake.requests[1]!.headers["x-amz-date"] as string,
      },
    });
    expect(wrongPath.status).toBe(404);
    expect(fake.requests.map((request) => request.outcome)).toEqual(["rejected", "ok", "rejected"]);
    expect(fake.stats.rejected).toBe(2);
  });

  test("a responder can throw a FakeBedrockFault for one request", async () => {
    fake.setResponder((request) => {
      if (request.promptText.includes("c-2")) throw new FakeBedrockFault("throttle");
      return ANALYSIS;
    });
    const sdk = client();

    const other = new ConverseCommand({
      modelId: MODEL_ID,
      messages: [{ role: "user", content: [{ text: "c-2" }] }],
    });
    expect((await failure(sdk.send(other))).name).toBe("ThrottlingException");
    expect(toolInput(await sdk.send(converse()))).toEqual(ANALYSIS);
  });

  test("random faults are deterministic for a seed and counted per kind", async () => {
    const kinds: FaultKind[] = ["throttle", "error5xx", "malformedJson", "refusal"];
    const run = async () => {
      fake.clear();
      fake.setFaults({ rate: 0.3, kinds, seed: 42 });
      const sdk = http1Client();
      for (let i = 0; i < 40; i++) await sdk.send(converse()).catch(() => {});
      return fake.requests.map((request) => request.outcome);
    };

    const first = await run();
    const second = await run();

    expect(second).toEqual(first);
    const faulted = first.filter((outcome) => outcome !== "ok");
    expect(faulted.length).toBeGreaterThan(4);
    expect(faulted.length).toBeLessThan(25);
    expect(new Set(faulted).size).toBeGreaterThan(1);
    for (const outcome of faulted) expect(kinds).toContain(outcome);
    const counted = kinds.reduce((sum, kind) => sum + fake.stats.faults[kind], 0);
    expect(counted).toBe(faulted.length);
    expect(fake.stats.ok).toBe(40 - faulted.length);
  });

  test("latencyMs delays answers and concurrent requests overlap", async () => {
    fake.setFaults({ latencyMs: 100 });
    const sdk = client();

    const started = Date.now();
    const outputs = await Promise.all(Array.from({ length: 8 }, () => sdk.send(converse())));
    const elapsed = Date.now() - started;

    expect(outputs.every((output) => output.stopReason === "tool_use")).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(800);
    expect(fake.stats.maxInFlight).toBe(8);
    expect(outputs[0]?.metrics?.latencyMs).toBeGreaterThanOrEqual(95);
  });
});
