import { SingleFlight } from "../../../src/predictions/serving/single-flight";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SingleFlight", () => {
  it("runs one computation for 200 concurrent callers of one key", async () => {
    const flights = new SingleFlight<string, number>();
    const gate = deferred<number>();
    let calls = 0;
    const all = Promise.all(
      Array.from({ length: 200 }, () =>
        flights.run("c:1", () => {
          calls++;
          return gate.promise;
        }),
      ),
    );
    gate.resolve(42);
    expect(await all).toEqual(Array(200).fill(42));
    expect(calls).toBe(1);
    expect(flights.size).toBe(0);
  });

  it("starts again after the previous computation settled, also after a failure", async () => {
    const flights = new SingleFlight<string, number>();
    await expect(flights.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await flights.run("k", async () => 2)).toBe(2);
  });

  it("batches the keys not in flight and joins the ones that are", async () => {
    const flights = new SingleFlight<number, string>();
    const first = deferred<string[]>();
    const batches: number[][] = [];
    const a = flights.runMany([1, 2], (keys) => {
      batches.push(keys);
      return first.promise;
    });
    const b = flights.runMany([2, 3, 3], async (keys) => {
      batches.push(keys);
      return keys.map((k) => `second ${k}`);
    });
    first.resolve(["first 1", "first 2"]);
    expect(await a).toEqual(["first 1", "first 2"]);
    expect(await b).toEqual(["first 2", "second 3", "second 3"]);
    expect(batches).toEqual([[1, 2], [3]]);
    expect(flights.size).toBe(0);
  });

  it("fails every joined caller when the batch returns the wrong number of results", async () => {
    const flights = new SingleFlight<number, string>();
    await expect(flights.runMany([1, 2], async () => ["only one"])).rejects.toThrow(
      "expected 2 results from the batch, got 1",
    );
    expect(flights.size).toBe(0);
  });
});
