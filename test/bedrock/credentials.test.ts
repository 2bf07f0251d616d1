// ANALYZER=bedrock without AWS credentials: the SDK's default chain finds none, no request is sent,
// and customers get statistical predictions (reason "rejected", not retried) instead of errors.
import { CustomersWithInsightsDocument } from "../../src/client/generated/graphql";
import { seedDatabase } from "../../src/datagen/seed";
import { startApi } from "../support/api";
import { fakeBedrockSettings, startFakeBedrock } from "../support/fake-bedrock";

const TODAY = new Date(new Date().toISOString().slice(0, 10));

describe("ANALYZER=bedrock without credentials", () => {
  const saved = { ...process.env };
  beforeAll(() => {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
      delete process.env[name];
    }
    // No shared config files and no instance metadata service to wait for.
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials";
    process.env.AWS_CONFIG_FILE = "/nonexistent/config";
    process.env.AWS_EC2_METADATA_DISABLED = "true";
  });
  afterAll(() => {
    process.env = saved;
  });

  it("serves statistical predictions and sends nothing", async () => {
    const fake = await startFakeBedrock({ responder: () => ({ predictions: [], insights: [] }) });
    const started = await startApi("sqlite", {
      predictions: {
        analyzer: {
          kind: "bedrock",
          bedrock: {
            ...fakeBedrockSettings(fake),
            maxConcurrency: 2,
            timeoutMs: 5_000,
            monthlyBudgetUsd: 10,
            maxCallsPerRequest: 10,
          },
        },
      },
    });
    try {
      await seedDatabase(started.api.database.prisma, { customers: 2, days: 90, seed: 3, end: TODAY });
      const response = await started.api.request(CustomersWithInsightsDocument, { first: 2 });
      expect(response.errors).toBeUndefined();
      const predictions = response.data!.customers.edges.flatMap((e) => e.node.predictions!);
      expect(predictions.length).toBeGreaterThan(0);
      expect(predictions.every((p) => p.source === "STATISTICAL")).toBe(true);
      expect(fake.requests).toHaveLength(0);
      const usage = await started.api.predictions.ledger.month(new Date().toISOString().slice(0, 7));
      expect(usage.fallbacks).toEqual([{ reason: "rejected", count: 2 }]);
      // One attempt per customer: credentials are not something a retry fixes.
      expect(usage.calls).toBe(2);
    } finally {
      await started.stop();
      await fake.close();
    }
  }, 60_000);
});
