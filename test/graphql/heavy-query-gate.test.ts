import { HeavyQueryGate } from "../../src/graphql/heavy-query-gate";

const options = { minCost: 100, concurrency: 2, maxQueue: 1, maxWaitMs: 60_000 };

/** Settles to "waiting" while the promise is pending. */
async function state(promise: Promise<unknown>): Promise<string> {
  const pending = Symbol("pending");
  const winner = await Promise.race([
    promise.then(
      () => "entered",
      () => "refused",
    ),
    new Promise((r) => setImmediate(() => r(pending))),
  ]);
  return winner === pending ? "waiting" : String(winner);
}

describe("HeavyQueryGate", () => {
  it("lets only queries from its cost through it", () => {
    const gate = new HeavyQueryGate(options);
    expect(gate.isHeavy(99)).toBe(false);
    expect(gate.isHeavy(100)).toBe(true);
  });

  it("lets `concurrency` heavy queries in at once; the next waits for a turn to end", async () => {
    const gate = new HeavyQueryGate(options);
    const first = await gate.enter();
    await gate.enter();
    const third = gate.enter();
    expect(await state(third)).toBe("waiting");
    first();
    expect(await state(third)).toBe("entered");
  });

  it("refuses at once with SERVICE_UNAVAILABLE when the queue is full", async () => {
    const gate = new HeavyQueryGate(options);
    await gate.enter();
    await gate.enter();
    const queued = gate.enter();
    await expect(gate.enter()).rejects.toMatchObject({
      message: expect.stringMatching(/^Too many heavy queries at once \(1 already wait\)/),
      extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } },
    });
    expect(await state(queued)).toBe("waiting");
  });

  it("gives up a wait after maxWaitMs, and the turn it would have had goes to the next", async () => {
    const gate = new HeavyQueryGate({ ...options, maxQueue: 2, maxWaitMs: 20 });
    const first = await gate.enter();
    await gate.enter();
    const late = gate.enter();
    await expect(late).rejects.toMatchObject({ extensions: { code: "SERVICE_UNAVAILABLE" } });
    const next = gate.enter();
    first();
    // The abandoned waiter's turn is handed on, so the next one enters.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await state(next)).toBe("entered");
  });
});
