#!/usr/bin/env node
// The container's health check: GET /healthz on this container's own port, exit 0 when it answers
// 200 within 3 s, 1 otherwise. API containers answer on PORT (default 4000); workers on
// WORKER_METRICS_PORT (default 9464), which the compose file passes as the argument.
//
//   node scripts/healthcheck.mjs [port]
const port = process.argv[2] ?? process.env.PORT ?? "4000";
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3_000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
