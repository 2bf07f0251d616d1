// A worker has no API: this small HTTP server gives it GET /metrics (Prometheus) and GET /healthz
// (200 while the worker takes jobs, 503 otherwise), on WORKER_METRICS_PORT.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { answerScrape } from "./metrics-route";
import type { ServiceMetrics } from "./service-metrics";

export interface MetricsServerOptions {
  port: number;
  host: string;
  metrics: ServiceMetrics;
  /** METRICS_TOKEN. */
  token?: string;
  /** Whether the process is doing its job (the worker is running and connected). */
  healthy: () => boolean;
}

export interface MetricsServer {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Listens (port 0: a free port, in `address`) and serves until close(). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      response.end("expected GET\n");
    } else if (path === "/metrics") {
      void answerScrape(options.metrics, options.token, request, response);
    } else if (path === "/healthz") {
      const healthy = options.healthy();
      response.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: healthy ? "ok" : "unavailable" }));
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found: this port serves /metrics and /healthz\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
