// The naive reference implementation (issue 7): "the way most tutorials do it". A separate, minimal
// Apollo Server (standalone) with an SDL schema and plain resolvers; none of this project's GraphQL,
// loaders, cache or batched history read. `Customer.predictions` loads, on EVERY request and for
// every customer on its own (no DataLoader, no cache), the customer's last 20 purchases with their
// items and products through Prisma and runs the statistical analyzer for that one customer: the
// N+1 pattern. The population priors are loaded once at start (refitting them per request would not
// be honest even for a naive implementation). Only the bench's naive phase (bench/phases/naive.ts) uses it.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { DateTimeResolver } from "graphql-scalars";
import type { CustomerHistory } from "../../src/analysis/contract";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { type Database, openDatabase } from "../../src/db/client";
import { latestPriors } from "../../src/predictions/store/priors-store";

export interface NaiveServerOptions {
  databaseUrl: string;
  /** Called for every SQL statement the naive server sends (the benchmark counts them). */
  onQuery?: (sql: string) => void;
}

export interface NaiveServer {
  /** http://127.0.0.1:<port>/ (the standalone server answers GraphQL on every path). */
  url: string;
  stop(): Promise<void>;
}

const typeDefs = /* GraphQL */ `
  scalar DateTime

  type Prediction {
    category: String!
    nextPurchaseAt: DateTime!
    windowStart: DateTime!
    windowEnd: DateTime!
    confidence: Float!
  }

  type Customer {
    id: ID!
    name: String!
    predictions: [Prediction!]!
  }

  type CustomerEdge {
    cursor: String!
    node: Customer!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type CustomerConnection {
    edges: [CustomerEdge!]!
    pageInfo: PageInfo!
  }

  type Query {
    customers(first: Int!, after: String): CustomerConnection!
  }
`;

interface CustomerRow {
  id: number;
  name: string;
}

/** Starts the naive server on a free port of 127.0.0.1, over the database the URL names. */
export async function startNaiveServer(options: NaiveServerOptions): Promise<NaiveServer> {
  const database: Database = openDatabase(
    options.databaseUrl,
    options.onQuery ? { onQuery: options.onQuery } : {},
  );
  const prisma = database.prisma;
  const stored = await latestPriors(prisma);
  if (!stored) {
    await database.close();
    throw new Error("naive server: no population priors stored yet (fit them first)");
  }
  const analyzer = new StatisticalAnalyzer(stored.priors);

  const resolvers = {
    DateTime: DateTimeResolver,
    Query: {
      customers: async (_: unknown, args: { first: number; after?: string | null }) => {
        // Same opaque cursor format as the project's API, so both servers take the same requests.
        const afterId = args.after ? Number(Buffer.from(args.after, "base64url").toString().slice(3)) : 0;
        const rows = await prisma.customer.findMany({
          where: { id: { gt: afterId } },
          orderBy: { id: "asc" },
          take: args.first + 1,
          select: { id: true, name: true },
        });
        const nodes = rows.slice(0, args.first);
        const edges = nodes.map((node) => ({
          cursor: Buffer.from(`v1:${node.id}`).toString("base64url"),
          node,
        }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
    },
    Customer: {
      id: (customer: CustomerRow) => String(customer.id),
      predictions: async (customer: CustomerRow) => {
        const purchases = await prisma.purchase.findMany({
          where: { customerId: customer.id },
          orderBy: [{ purchasedAt: "desc" }, { id: "desc" }],
          take: 20,
          include: { items: { include: { product: true } } },
        });
        const history: CustomerHistory = {
          customerId: String(customer.id),
          purchases: purchases.map((purchase) => ({
            purchasedAt: purchase.purchasedAt,
            items: purchase.items.map((item) => ({
              sku: item.product.sku,
              productName: item.product.name,
              category: item.product.category,
              quantity: item.quantity,
            })),
          })),
        };
        const [analysis] = analyzer.analyze([history], new Date());
        return analysis?.predictions ?? [];
      },
    },
  };

  // The caller owns SIGINT/SIGTERM (the benchmark cleans up on them), as with this project's server.
  const server = new ApolloServer({ typeDefs, resolvers, stopOnTerminationSignals: false });
  try {
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
    return {
      url,
      stop: async () => {
        await server.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
