// Phase "limits" (issue 7 row 4): the machine's limits for the same query, next to this server warm.
// The rotation's pages are captured once from the real server, warm: "the same JSON bytes" served by
//   graphql-js: the server's types (buildApiSchema, printed and rebuilt with graphql's buildSchema)
//     with graphql-js's default resolvers over the captured pages held in memory (no HTTP, no
//     database, no cache lookups, no context). Parsed and validated once, then `execute` in a loop on
//     this thread for S seconds; again with JSON.stringify of each result (what a server must do);
//   node:http: a bare server (port 0) answering each POST with the captured bytes of the page its body
//     asks for (the body is parsed; the answers are precomputed Buffers), same autocannon settings.
import http from "node:http";
import { buildSchema, type DocumentNode, execute, parse, printSchema, validate } from "graphql";
import { KeyRing } from "../../src/auth/api-keys";
import { buildApiSchema } from "../../src/graphql/schema";
import { type Latencies, loadTest, PAGE_QUERY, PAGE_SIZE, summarise } from "../support/serving-harness";
import { peakRssDuring } from "../support/stats";
import type { ServingContext } from "./context";

interface CapturedPage {
  after: string | null;
  /** The server's answer, byte for byte. */
  bytes: Buffer;
  /** The answer's `data`, parsed: what the graphql-js phase resolves from. */
  data: { customers: unknown };
}

export interface Limits {
  /** graphql-js's JSON equals the captured bytes of every page. */
  graphqlJsMatches: boolean;
  /** Average captured answer, bytes. */
  responseBytes: number;
  run(label: string): Promise<LimitsRun>;
}

/** Each row with the process's peak RSS during it (MiB). */
export interface LimitsRun {
  graphqlExecute: Latencies & { rssMiB: number };
  graphqlExecuteStringify: Latencies & { rssMiB: number };
  nodeHttp: Latencies & { rssMiB: number };
}

/** Captures the rotation's pages warm and builds the graphql-js engine and node:http server on them. */
export async function prepareLimits(ctx: ServingContext): Promise<Limits> {
  const { api, options, progress } = ctx;
  await ctx.warmRotation();
  const pages: CapturedPage[] = [];
  for (const [i, page] of ctx.rotation.entries()) {
    const bytes = await post(api.url, api.headers, ctx.bodies[i]!);
    pages.push({ after: page.after, bytes, data: JSON.parse(bytes.toString("utf8")).data });
  }
  const engine = await graphqlEngine(pages, progress);
  const plain = await startPlainServer(pages);
  ctx.cleanups.push(plain.close);
  const { connections, duration } = options;
  return {
    graphqlJsMatches: engine.matches,
    responseBytes: Math.round(pages.reduce((n, p) => n + p.bytes.length, 0) / pages.length),
    async run(label) {
      progress(`${label}: node:http with the captured bytes (${connections} clients, ${duration} s) …`);
      const [nodeHttp, httpRss] = await peakRssDuring(() =>
        loadTest({ url: plain.url, connections, duration, bodies: ctx.bodies, headers: api.headers }),
      );
      progress(`${label}: graphql-js execute, then execute + JSON.stringify (${duration} s each) …`);
      // Synchronous loops: no sampling timer fires inside them, so their RSS is read before and after.
      const [executeOnly, executeRss] = await peakRssDuring(async () => engine.run(duration, false));
      const [executeStringify, stringifyRss] = await peakRssDuring(async () => engine.run(duration, true));
      return {
        graphqlExecute: { ...executeOnly, rssMiB: executeRss },
        graphqlExecuteStringify: { ...executeStringify, rssMiB: stringifyRss },
        nodeHttp: { ...nodeHttp, rssMiB: httpRss },
      };
    },
  };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Buffer> {
  const response = await fetch(url, { method: "POST", headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200 || bytes.includes('"errors"')) {
    throw new Error(`GraphQL request failed (${response.status}): ${bytes.toString("utf8").slice(0, 300)}`);
  }
  return bytes;
}

// ---- graphql-js ----

/**
 * The server's types (printed from buildApiSchema and rebuilt without its resolvers), resolved by
 * graphql-js's default resolvers from the captured pages in memory.
 */
async function graphqlEngine(pages: readonly CapturedPage[], progress: (message: string) => void) {
  const keys = new KeyRing({ read: [], ingest: [], admin: [] }, { anonymousReads: true });
  const schema = buildSchema(printSchema(await buildApiSchema(keys)));
  const document: DocumentNode = parse(PAGE_QUERY);
  const errors = validate(schema, document);
  if (errors.length) throw new Error(`the page query does not validate: ${errors[0]!.message}`);
  const byCursor = new Map(pages.map((p) => [p.after ?? "", p.data.customers]));
  const rootValue = { customers: ({ after }: { after?: string | null }) => byCursor.get(after ?? "") };
  const variables = pages.map((p) => ({ first: PAGE_SIZE, after: p.after }));
  const once = (i: number) => {
    const result = execute({ schema, document, rootValue, variableValues: variables[i % variables.length] });
    if (result instanceof Promise)
      throw new Error("execute returned a promise: the resolvers must be synchronous");
    if (result.errors?.length) throw new Error(`execute failed: ${result.errors[0]!.message}`);
    return result;
  };
  const matches = pages.every((p, i) => JSON.stringify(once(i)) === p.bytes.toString("utf8").trimEnd());
  if (!matches)
    progress("note: graphql-js's JSON differs from the captured bytes (compare them before trusting)");
  return {
    matches,
    /** execute (optionally + JSON.stringify) in a loop for `seconds`, after a 1 s warm-up. */
    run(seconds: number, stringify: boolean): Latencies {
      let sink = 0;
      const step = (i: number) => {
        const result = once(i);
        if (stringify) sink += JSON.stringify(result).length;
      };
      for (let i = 0, until = performance.now() + 1_000; performance.now() < until; i++) step(i);
      const times: number[] = [];
      const started = performance.now();
      const until = started + seconds * 1_000;
      for (let i = 0; ; i++) {
        const t0 = performance.now();
        if (t0 >= until) break;
        step(i);
        times.push(performance.now() - t0);
      }
      const elapsed = (performance.now() - started) / 1_000;
      if (sink < 0) progress("unreachable");
      return summarise(times, 0, elapsed);
    },
  };
}

// ---- plain node:http ----

async function startPlainServer(
  pages: readonly CapturedPage[],
): Promise<{ url: string; close(): Promise<void> }> {
  const byCursor = new Map(pages.map((p) => [p.after ?? "", p.bytes]));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let bytes: Buffer | undefined;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          variables?: { after?: string | null };
        };
        bytes = byCursor.get(body.variables?.after ?? "");
      } catch {
        bytes = undefined;
      }
      if (!bytes) {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end('{"errors":[{"message":"unknown page"}]}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length }).end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
