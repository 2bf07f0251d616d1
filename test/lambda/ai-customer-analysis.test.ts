// The Lambda handler: refreshes the customers an event names (numbers or digit strings), reports the
// ids it does not know and the ones that failed, and refuses malformed events with a message naming
// the entry, before touching the database.
import pino from "pino";
import { DEFAULT_PREDICTION_CONFIG } from "../../src/config";
import { seedDatabase } from "../../src/datagen/seed";
import * as client from "../../src/db/client";
import { InputError } from "../../src/errors";
import {
  createHandler,
  type HandlerDeps,
  handler,
  MAX_CUSTOMERS_PER_EVENT,
} from "../../src/lambda/ai-customer-analysis";
import { createPredictionRuntime, type PredictionRuntime } from "../../src/predictions/runtime";
import { describeEachDatabase } from "../support/databases";

const SEED = { customers: 6, days: 120, seed: 21, end: new Date(new Date().toISOString().slice(0, 10)) };
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

describeEachDatabase("lambda handler", (handle) => {
  let runtime: PredictionRuntime;
  let ids: number[] = [];
  let idle = 0;
  beforeAll(async () => {
    const db = handle.database.prisma;
    await seedDatabase(db, SEED);
    ids = (await db.customer.findMany({ orderBy: { id: "asc" }, select: { id: true } })).map((c) => c.id);
    idle = (await db.customer.create({ data: { externalId: "idle", name: "No purchases" } })).id;
    runtime = createPredictionRuntime({
      config: DEFAULT_PREDICTION_CONFIG,
      db,
      provider: handle.provider,
      log,
    });
  }, 120_000);
  afterAll(() => runtime?.close());

  const depsWith = (service: HandlerDeps["service"]): HandlerDeps => ({
    db: handle.database.prisma,
    service,
    log,
  });

  it("refreshes the customers named (once each), reports unknown ids, and stores current predictions", async () => {
    const calls: number[][] = [];
    const service = {
      refresh: (list: readonly number[]) => {
        calls.push([...list]);
        return runtime.service.refresh(list);
      },
    };
    const result = await createHandler(() => depsWith(service))({
      customerIds: [ids[0]!, String(ids[1]), ` ${ids[2]} `, ids[0]!, 999_999, idle],
    });
    expect(result).toEqual({
      refreshed: [ids[0], ids[1], ids[2], idle],
      notFound: [999_999],
      failed: [],
      seconds: expect.any(Number),
    });
    expect(calls).toEqual([[ids[0], ids[1], ids[2], idle]]);
    const current = await handle.database.prisma.prediction.findMany({
      where: { supersededAt: null, customerId: { in: ids.slice(0, 3) } },
      distinct: ["customerId"],
      select: { customerId: true },
    });
    expect(current).toHaveLength(3);
  });

  it("reports the customers of a chunk that fails twice as failed", async () => {
    let attempts = 0;
    const service = {
      refresh: async () => {
        attempts++;
        throw new Error("database went away");
      },
    };
    const result = await createHandler(() => depsWith(service))({ customerIds: [ids[3]!, ids[4]!] });
    expect(result).toMatchObject({ refreshed: [], notFound: [], failed: [ids[3], ids[4]] });
    expect(attempts).toBe(2);
  });

  it.each([
    [undefined, 'expected an event like {"customerIds": [42, "43"]}, got nothing'],
    [[1, 2], 'expected an event like {"customerIds": [42, "43"]}, got [1,2]'],
    [{}, 'customerIds: expected an event like {"customerIds": [42, "43"]}, got nothing'],
    [{ customerIds: "1,2" }, 'customerIds: expected an event like {"customerIds": [42, "43"]}, got "1,2"'],
    [{ customerIds: [] }, "customerIds: expected at least one customer id, got an empty list"],
    [
      { customerIds: [1, "abc"] },
      'customerIds[1]: expected a customer id (a whole number from 1 to 2147483647), got "abc"',
    ],
    [
      { customerIds: [0] },
      "customerIds[0]: expected a customer id (a whole number from 1 to 2147483647), got 0",
    ],
    [
      { customerIds: [1.5] },
      "customerIds[0]: expected a customer id (a whole number from 1 to 2147483647), got 1.5",
    ],
    [
      { customerIds: [-3] },
      "customerIds[0]: expected a customer id (a whole number from 1 to 2147483647), got -3",
    ],
    [
      { customerIds: [null] },
      "customerIds[0]: expected a customer id (a whole number from 1 to 2147483647), got null",
    ],
    [
      { customerIds: [2_147_483_648] },
      "customerIds[0]: expected a customer id (a whole number from 1 to 2147483647), got 2147483648",
    ],
    [
      { customerIds: Array.from({ length: MAX_CUSTOMERS_PER_EVENT + 1 }, (_, i) => i + 1) },
      `customerIds: expected at most ${MAX_CUSTOMERS_PER_EVENT} ids per invocation, got ${MAX_CUSTOMERS_PER_EVENT + 1}`,
    ],
  ])(
    "refuses a bad event (%#) with a message naming the entry, before touching the database",
    async (event, message) => {
      const deps = jest.fn(() => depsWith(runtime.service));
      const run = createHandler(deps)(event as never);
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(message);
      expect(deps).not.toHaveBeenCalled();
    },
  );

  if (handle.provider === "sqlite") {
    it("the exported handler reads DATABASE_URL, opens the database once and reuses it while warm", async () => {
      const saved = { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
      process.env.DATABASE_URL = handle.url;
      process.env.LOG_LEVEL = "silent";
      const opened = jest.spyOn(client, "openDatabase");
      try {
        const first = await handler({ customerIds: [ids[5]!] });
        const second = await handler({ customerIds: [String(ids[5]), 424_242] });
        expect(first).toMatchObject({ refreshed: [ids[5]], notFound: [], failed: [] });
        expect(second).toMatchObject({ refreshed: [ids[5]], notFound: [424_242], failed: [] });
        expect(opened).toHaveBeenCalledTimes(1);
      } finally {
        opened.mockRestore();
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  }
});
