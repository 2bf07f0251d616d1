// npm run analyze -- --customer <id | externalId> [--analyzer statistical|bedrock] [--dry-run]
// Analyzes one customer's last 20 purchases now and prints the predictions as JSON (nothing is stored
// or cached). With --analyzer bedrock --dry-run it prints the exact Converse request that would be
// sent, with its estimated cost, and calls nothing. Without AWS credentials (and not a dry run) it
// says what is missing and exits 1 before anything is called or recorded.

import { BedrockAnalyzer } from "../bedrock/bedrock-analyzer";
import { BedrockGateway } from "../bedrock/bedrock-gateway";
import { missingAwsCredentials } from "../bedrock/credentials";
import { buildCustomerPrompt } from "../bedrock/prompt";
import { DatabaseUsageLedger } from "../bedrock/usage-ledger";
import { InputError } from "../errors";
import { AnalyzerSource } from "../predictions/store/priors-store";
import { loadRecentHistories } from "../predictions/store/recent-histories";
import { parseCommandArgs, runCommand, UsageError } from "./support/command";

const USAGE = "npm run analyze -- --customer <id | externalId> [--analyzer statistical|bedrock] [--dry-run]";

runCommand({
  usage: USAGE,
  parse(argv) {
    const { values } = parseCommandArgs(
      {
        customer: { type: "string" },
        analyzer: { type: "string" },
        "dry-run": { type: "boolean", default: false },
      },
      argv,
    );
    if (!values.customer) throw new UsageError("--customer is required");
    const analyzer = values.analyzer ?? "default";
    if (!["statistical", "bedrock", "default"].includes(analyzer)) {
      throw new UsageError(`--analyzer: expected statistical or bedrock, got ${JSON.stringify(analyzer)}`);
    }
    return { customer: values.customer, analyzer, dryRun: values["dry-run"] };
  },
  async run({ config, db, log, now: clock }, args) {
    const prisma = db.prisma;
    const customer = /^\d{1,10}$/.test(args.customer)
      ? await prisma.customer.findUnique({ where: { id: Number(args.customer) } })
      : await prisma.customer.findUnique({ where: { externalId: args.customer } });
    if (!customer) throw new InputError(`no customer with id or externalId ${JSON.stringify(args.customer)}`);

    const timeZone = config.predictions.timeZone;
    const statistical = await new AnalyzerSource(prisma, { timeZone, provider: db.provider, log }).current();
    const [history] = await loadRecentHistories(prisma, db.provider, [customer.id]);
    const now = clock();
    const kind = args.analyzer === "default" ? config.analyzer.kind : args.analyzer;
    if (kind === "bedrock" && !args.dryRun) {
      const missing = await missingAwsCredentials();
      if (missing) throw new InputError(missing);
    }

    if (kind === "statistical") {
      const [analysis] = await statistical.analyze([history!], now);
      if (args.dryRun) console.log("# The statistical analyzer calls nothing outside this process.");
      console.log(JSON.stringify(analysis, null, 2));
      return 0;
    }

    const ledger = new DatabaseUsageLedger(prisma);
    const gateway = new BedrockGateway({ ...config.analyzer.bedrock, ledger, log });
    try {
      if (args.dryRun) {
        const [analysis] = await statistical.analyze([history!], now);
        const prompt = buildCustomerPrompt(history!, analysis!, now, { ref: "r-dry-run", timeZone });
        const request = gateway.request(prompt.text);
        console.log(
          `# Dry run: nothing is sent. POST /model/${request.modelId}/converse in ${config.analyzer.bedrock.region}:`,
        );
        console.log(JSON.stringify(request, null, 2));
        console.log(
          `# user content: ${prompt.text.length} characters; estimated cost at most ` +
            `$${gateway.estimateCostUsd(prompt.text).toFixed(5)} ` +
            `(input $${config.analyzer.bedrock.price.inputPerMTok}/MTok, output $${config.analyzer.bedrock.price.outputPerMTok}/MTok)`,
        );
        return 0;
      }
      const analyzer = new BedrockAnalyzer(statistical, { gateway, timeZone, ledger, log });
      const [analysis] = await analyzer.analyze([history!], now);
      console.log(JSON.stringify(analysis, null, 2));
      return 0;
    } finally {
      gateway.close();
    }
  },
});
