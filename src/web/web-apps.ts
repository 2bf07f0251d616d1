// Serves the browser apps built from web/ (npm run build → dist/web): GraphiQL at GET /graphql for a
// browser, the dashboard at /dashboard, and their assets at /web/assets. Only files from that
// build are served; nothing here runs Vite or any other build tool.
import fs from "node:fs";
import path from "node:path";
import express, { type RequestHandler, type Router } from "express";
import type { Logger } from "../logger";
import { projectRoot } from "../project-root";

export interface WebAppsOptions {
  playground: boolean;
  dashboard: boolean;
  /** The build to serve (default: dist/web under the project root). */
  root?: string;
  log: Logger;
}

/** Where `npm run build` puts the apps (web/vite.config.mts). */
export function defaultWebRoot(): string {
  return path.join(projectRoot(), "dist", "web");
}

/** Every page loads from this origin only: the browser itself refuses anything else. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Monaco (GraphiQL's editor) and the chart library set style attributes.
  "style-src 'self' 'unsafe-inline'",
  // GraphiQL's stylesheet carries its fonts as data: URLs.
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  // Monaco's workers are bundled files of their own.
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const pageHeaders = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function webApps({ playground, dashboard, root = defaultWebRoot(), log }: WebAppsOptions): Router {
  const router = express.Router();
  if (!playground && !dashboard) return router;

  if (playground) {
    const page = builtPage(root, "playground", "The GraphQL playground", log);
    // Browsers ask for text/html first; GraphQL clients (and curl's */*) still reach Apollo.
    router.get("/graphql", (req, res, next) => {
      if (req.accepts(["application/json", "text/html"]) !== "text/html") return next();
      page(req, res, next);
    });
  }
  if (dashboard) {
    // Every path under /dashboard is the single-page app; it routes on the client.
    router.get(["/dashboard", "/dashboard/{*route}"], builtPage(root, "dashboard", "The dashboard", log));
  }
  router.use(
    "/web/assets",
    express.static(path.join(root, "assets"), {
      // File names carry a content hash: a new build never reuses a name.
      immutable: true,
      maxAge: "365d",
      index: false,
      setHeaders: (res) => res.setHeader("x-content-type-options", "nosniff"),
    }),
    // A plain 404 (express's default error page would carry a stack trace outside production).
    (_req, res) => {
      res.status(404).type("text/plain").send("Not found\n");
    },
  );
  return router;
}

/** Answers with dist/web/<app>/index.html, or 503 saying how to build it when it is missing. */
function builtPage(root: string, app: string, title: string, log: Logger): RequestHandler {
  const file = path.join(root, app, "index.html");
  let html: string | undefined;
  if (!fs.existsSync(file)) log.warn({ file }, `${title} is not built: run npm run build`);
  return (_req, res) => {
    try {
      html ??= fs.readFileSync(file, "utf8");
    } catch {
      res
        .status(503)
        .type("text/plain")
        .send(`${title} is not built on this server: run \`npm run build\`, then restart it.\n`);
      return;
    }
    res.set(pageHeaders).type("html").send(html);
  };
}
