// GET /metrics in Prometheus's text format, on the API's express app and on a worker's own small
// server. With METRICS_TOKEN set it wants "Authorization: Bearer <token>" (401 otherwise): the
// numbers say how busy the service is and what Claude costs, which is nobody else's business.
import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type { ServiceMetrics } from "./service-metrics";

/** Answers one scrape: 200 with the metrics, 401 without the token, 500 when collecting fails. */
export async function answerScrape(
  metrics: ServiceMetrics,
  token: string | undefined,
  request: Pick<http.IncomingMessage, "headers">,
  response: http.ServerResponse,
): Promise<void> {
  if (token && !hasToken(request.headers.authorization, token)) {
    response.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' });
    response.end("metrics: expected Authorization: Bearer <METRICS_TOKEN>\n");
    return;
  }
  try {
    const text = await metrics.registry.metrics();
    response.writeHead(200, { "content-type": metrics.registry.contentType });
    response.end(text);
  } catch (error) {
    response.writeHead(500, { "content-type": "text/plain" });
    response.end(`metrics could not be collected: ${(error as Error).message}\n`);
  }
}

function hasToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
