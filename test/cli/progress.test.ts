// What a person reads while a long command runs: share, amount, rate and time left, the rate
// measured from when the bar started.
import { Writable } from "node:stream";
import { createProgress, describeProgress, type ProgressState } from "../../src/cli/support/progress";

const base: ProgressState = {
  label: "x",
  total: 0,
  unit: "customers",
  countUnit: undefined,
  done: 0,
  count: 0,
  started: 0,
};

describe("progress lines", () => {
  it("shows customers with their rate since the start and the time left", () => {
    const line = describeProgress({ ...base, total: 3_000, done: 1_000, count: 1_000 }, 5_000);
    expect(line).toBe("33% | 1,000/3,000 customers | 200 customers/s | 10 s left");
  });

  it("shows an import in MB with rows and their rate, and minutes left", () => {
    const line = describeProgress(
      { ...base, unit: "bytes", countUnit: "rows", total: 27_100_000, done: 2_710_000, count: 12_000 },
      20_000,
    );
    expect(line).toBe("10% | 2.7/27.1 MB | 12,000 rows, 600 rows/s | 3 min 00 s left");
  });

  it("leaves out the share and the time left when the total is unknown", () => {
    expect(describeProgress({ ...base, done: 300, count: 300 }, 2_000)).toBe(
      "300 customers | 150 customers/s",
    );
  });

  it("prints a plain line when the output is not a terminal, ending with the final state", () => {
    let written = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        written += chunk;
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const progress = createProgress({ label: "predicting", total: 10, unit: "customers", stream });
    progress.update(4);
    progress.update(10);
    progress.stop();
    expect(written).toMatch(/^predicting: 100% \| 10\/10 customers \| [\d,]+ customers\/s\n$/);
  });
});
