// A responder for the fake Bedrock that answers like Claude would, from the prompt's own lines.
import type { FakeBedrockRequest } from "./fake-bedrock";

/** Claude's stand-in: shifts every statistical forecast one day later and says so. */
export function claude(request: FakeBedrockRequest) {
  const lines = (request.promptText ?? "").split("\n").filter((line) => /^k\d+\|/.test(line));
  return {
    predictions: lines.map((line) => {
      const [key, , , forecast] = line.split("|");
      const [, next] = /^(-?\d+) \[/.exec(forecast!)!;
      return { key, next: Number(next) + 1, reason: "Claude: a day later than the statistics" };
    }),
    insights: ["Shops on a steady weekly rhythm"],
  };
}
