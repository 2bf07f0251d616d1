// The browser apps over HTTP, from a stand-in build: where the playground and the dashboard are
// served, with which headers, and what production, a missing build and a missing asset answer.
// The real build in a real browser: test/web/browser.test.ts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONTENT_SECURITY_POLICY } from "../../src/web/web-apps";
import { type ApiOptions, startApi, type TestApi } from "../support/api";

const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

function fakeBuild(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cai-web-"));
  for (const app of ["playground", "dashboard"]) {
    fs.mkdirSync(path.join(root, app));
    fs.writeFileSync(path.join(root, app, "index.html"), `<!doctype html><title>${app} page</title>`);
  }
  fs.mkdirSync(path.join(root, "assets"));
  fs.writeFileSync(path.join(root, "assets", "app-3f2a1b.js"), "console.log('app');");
  return root;
}

function withServer(options: ApiOptions, body: (api: () => TestApi) => void) {
  let api: TestApi;
  let stop = async () => {};
  beforeAll(async () => {
    const started = await startApi("sqlite", options);
    api = started.api;
    stop = started.stop;
  });
  afterAll(() => stop());
  body(() => api);
}

const root = fakeBuild();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("outside production: the playground and the dashboard", () => {
  withServer({ nodeEnv: "development", web: { root } }, (api) => {
    it("GET /graphql from a browser is the playground page, locked to this origin", async () => {
      const response = await api().raw({ method: "GET", path: "/graphql", headers: html });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.text).toContain("<title>playground page</title>");
      expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
      expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
      expect(response.headers.get("cache-control")).toBe("no-cache");
    });

    it("GraphQL clients still reach the API on /graphql", async () => {
      const get = await api().raw({ method: "GET", path: "/graphql", headers: { accept: "*/*" } });
      expect(get.text).not.toContain("playground page");
      const post = await api().raw({
        body: JSON.stringify({ query: "{ categories { name } }" }),
        headers: { "content-type": "application/json", accept: "application/json" },
      });
      expect(post.status).toBe(200);
      expect(JSON.parse(post.text)).toEqual({ data: { categories: [] } });
    });

    it("every path under /dashboard is the dashboard (deep links load the app)", async () => {
      for (const route of [
        "/dashboard",
        "/dashboard/",
        "/dashboard/customers/42",
        "/dashboard/due?category=x",
      ]) {
        const response = await api().raw({ method: "GET", path: route, headers: html });
        expect({ route, status: response.status, text: response.text }).toEqual({
          route,
          status: 200,
          text: expect.stringContaining("<title>dashboard page</title>"),
        });
        expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      }
    });

    it("serves the hashed assets for a year, and a plain 404 for a missing one", async () => {
      const asset = await api().raw({ method: "GET", path: "/web/assets/app-3f2a1b.js" });
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/javascript/);
      expect(asset.headers.get("cache-control")).toMatch(/max-age=31536000.*immutable/);
      const missing = await api().raw({ method: "GET", path: "/web/assets/nope.js" });
      expect(missing.status).toBe(404);
      expect(missing.text).toBe("Not found\n");
      // Only the assets folder is served, not the pages beside it.
      const outside = await api().raw({ method: "GET", path: "/web/assets/%2e%2e/playground/index.html" });
      expect(outside.status).toBe(404);
      expect(outside.text).not.toContain("playground page");
    });
  });
});

describe("in production: neither, unless PLAYGROUND/DASHBOARD say so", () => {
  withServer({ nodeEnv: "production", web: { root } }, (api) => {
    it("serves no playground, no dashboard and no assets", async () => {
      const playground = await api().raw({ method: "GET", path: "/graphql", headers: html });
      expect(playground.status).toBe(400);
      expect(playground.text).not.toContain("playground page");
      for (const route of ["/dashboard", "/dashboard/customers/1", "/web/assets/app-3f2a1b.js"]) {
        expect((await api().raw({ method: "GET", path: route })).status).toBe(404);
      }
    });
  });

  withServer({ nodeEnv: "production", web: { root, playground: true, dashboard: false } }, (api) => {
    it("PLAYGROUND=true alone serves the playground, not the dashboard", async () => {
      const playground = await api().raw({ method: "GET", path: "/graphql", headers: html });
      expect(playground.status).toBe(200);
      expect(playground.text).toContain("playground page");
      expect((await api().raw({ method: "GET", path: "/dashboard", headers: html })).status).toBe(404);
    });
  });
});

describe("without a build", () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "cai-web-empty-"));
  afterAll(() => fs.rmSync(empty, { recursive: true, force: true }));
  withServer({ nodeEnv: "development", web: { root: empty } }, (api) => {
    it("says how to build the apps (503), and the API still works", async () => {
      for (const [route, name] of [
        ["/graphql", "The GraphQL playground"],
        ["/dashboard/health", "The dashboard"],
      ] as const) {
        const response = await api().raw({ method: "GET", path: route, headers: html });
        expect(response.status).toBe(503);
        expect(response.text).toBe(
          `${name} is not built on this server: run \`npm run build\`, then restart it.\n`,
        );
      }
      const post = await api().raw({
        body: JSON.stringify({ query: "{ categories { name } }" }),
        headers: { "content-type": "application/json" },
      });
      expect(post.status).toBe(200);
    });
  });
});
