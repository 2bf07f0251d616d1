// ANALYZER=bedrock never serves a day that contradicts its probabilities: through the AWS SDK to the
// local fake Bedrock, Claude's stand-ins move every statistical day later or earlier, and every
// prediction that comes back has its whole distribution moved with the day (src/analysis/shift.ts).
import pino from "pino";
import { DayClock } from "../../src/analysis/calendar";
import type { CategoryPrediction, CustomerHistory } from "../../src/analysis/contract";
import { fitPopulationPriors } from "../../src/analysis/hazard-fit";
import { probabilityWithin } from "../../src/analysis/probability";
import { medianDay, probabilityBetweenDays } from "../../src/analysis/shift";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { BedrockAnalyzer } from "../../src/bedrock/bedrock-analyzer";
import { BedrockGateway } from "../../src/bedrock/bedrock-gateway";
import { DatabaseUsageLedger } from "../../src/bedrock/usage-ledger";
import { syntheticHistories } from "../../src/datagen/synthetic-histories";
import { type Database, openDatabase } from "../../src/db/client";
import { claude } from "../support/claude-stand-in";
import { createDatabase } from "../support/databases";
import {
  type FakeBedrock,
  type FakeBedrockRequest,
  fakeBedrockSettings,
  startFakeBedrock,
} from "../support/fake-bedrock";

process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

const END = new Date("2026-06-01T00:00:00Z");
const NOW = new Date("2026-06-01T09:00:00Z");
const clock = new DayClock("UTC");
const today = clock.dayOf(NOW);
const offset = (date: Date) => clock.dayOf(date) - today;

/** A stand-in that moves every statistical day `days` earlier (never before today). */
function earlierBy(days: number) {
  return (request: FakeBedrockRequest) => {
    const answer = claude(request);
    for (const p of answer.predictions) p.next = Math.max(0, p.next - 1 - days);
    return answer;
  };
}

let fake: FakeBedrock;
let database: Database;
let drop: () => Promise<void>;
let gateway: BedrockGateway;
let statistical: StatisticalAnalyzer;
let histories: CustomerHistory[];

beforeAll(async () => {
  fake = await startFakeBedrock({ responder: claude });
  const created = await createDatabase("sqlite");
  drop = created.drop;
  database = openDatabase(created.url);
  const log = pino({ level: "silent" });
  gateway = new BedrockGateway({
    ...fakeBedrockSettings(fake),
    maxConcurrency: 8,
    ledger: new DatabaseUsageLedger(database.prisma),
    log,
  });
  const population = [...syntheticHistories({ seed: 5, days: 180, end: END }, 120)];
  statistical = new StatisticalAnalyzer(fitPopulationPriors(population));
  histories = population.slice(0, 12);
}, 60_000);

afterAll(async () => {
  gateway.close();
  await database.close();
  await drop();
  await fake.close();
});

async function analyseBoth() {
  const analyzer = new BedrockAnalyzer(statistical, {
    gateway,
    timeZone: "UTC",
    ledger: new DatabaseUsageLedger(database.prisma),
    log: pino({ level: "silent" }),
  });
  const moved = await analyzer.analyze(histories, NOW);
  const before = statistical.analyze(histories, NOW);
  return moved.flatMap((analysis, i) =>
    analysis.predictions.map((p) => ({
      p,
      stat: before[i]!.predictions.find((s) => s.category === p.category)!,
    })),
  );
}

/** What every served prediction must satisfy, moved or not. */
function expectConsistent(p: CategoryPrediction) {
  const knots = p.probabilityWithin;
  knots.forEach((q, i) => {
    expect(q).toBeGreaterThanOrEqual(i ? knots[i - 1]! : 0);
    expect(q).toBeLessThanOrEqual(1);
  });
  expect(offset(p.windowStart)).toBeLessThanOrEqual(offset(p.nextPurchaseAt));
  expect(offset(p.nextPurchaseAt)).toBeLessThanOrEqual(offset(p.windowEnd));
}

describe("Claude's days on Bedrock", () => {
  it("a day moved later moves the probabilities later: the median on Claude's day, less likely sooner", async () => {
    fake.setResponder(claude); // every statistical day + 1
    const pairs = await analyseBoth();
    expect(pairs.length).toBeGreaterThan(100);
    const moved = pairs.filter(({ p }) => p.source === "BEDROCK");
    // Only a distribution whose median lies beyond a year cannot be moved; synthetic buyers have none.
    expect(moved.length).toBe(pairs.length);
    let movedLater = 0;
    for (const { p, stat } of moved) {
      expectConsistent(p);
      expect(offset(p.nextPurchaseAt)).toBe(offset(stat.nextPurchaseAt) + 1);
      expect(medianDay(p.probabilityWithin)).toBe(offset(p.nextPurchaseAt));
      // Later than the statistical probabilities put the median: less likely by every day.
      const later = offset(p.nextPurchaseAt) > medianDay(stat.probabilityWithin)!;
      if (later) movedLater++;
      for (const d of [1, 3, 7, 14, 28]) {
        const [now, before] = [probabilityWithin(p, d), probabilityWithin(stat, d)];
        if (later) expect(now).toBeLessThanOrEqual(before);
        else expect(now).toBeGreaterThanOrEqual(before);
      }
      const tolerance = p.toleranceDays;
      const day = offset(p.nextPurchaseAt);
      // Confidence is served to 2 decimals: at most half a hundredth from the moved mass.
      const mass = probabilityBetweenDays(p.probabilityWithin, day - tolerance, day + tolerance);
      expect(Math.abs(p.confidence - mass)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    // Beyond four weeks, on a trip rhythm, the stored horizons can put the median a day or two off
    // the statistical day; most are on it, and there Claude's day is later.
    expect(movedLater).toBeGreaterThan(pairs.length / 2);
  }, 60_000);

  it("a day moved earlier moves them earlier, and a day kept keeps the statistics", async () => {
    fake.setResponder(earlierBy(3));
    const pairs = await analyseBoth();
    for (const { p, stat } of pairs) {
      expect(p.source).toBe("BEDROCK");
      expectConsistent(p);
      const day = Math.max(0, offset(stat.nextPurchaseAt) - 3);
      expect(offset(p.nextPurchaseAt)).toBe(day);
      if (day === offset(stat.nextPurchaseAt)) {
        expect(p.probabilityWithin).toEqual(stat.probabilityWithin);
        continue;
      }
      expect(medianDay(p.probabilityWithin)).toBe(day);
      const earlier = day < medianDay(stat.probabilityWithin)!;
      for (const d of [1, 3, 7, 14, 28]) {
        const [now, before] = [probabilityWithin(p, d), probabilityWithin(stat, d)];
        if (earlier) expect(now).toBeGreaterThanOrEqual(before);
        else expect(now).toBeLessThanOrEqual(before);
      }
    }
  }, 60_000);
});
