// The playground and the dashboard in a real browser (Debian's Chromium through playwright-core),
// against the real server on a seeded database: what a person sees matches what the API answers,
// nothing is loaded from anywhere but this server, and axe-core finds no serious or critical
// accessibility problem on any page. Screenshots of every page go to test-results/web/.
import fs from "node:fs";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import type { Page } from "playwright-core";
import {
  CategoriesDocument,
  DashboardCustomerDocument,
  DashboardDueDocument,
  type DashboardDueQuery,
} from "../../src/client/generated/graphql";
import { seedDatabase } from "../../src/datagen/seed";
import { formatDay, formatShare } from "../../web/dashboard/format";
import { predictedTitle } from "../../web/dashboard/timeline-data";
import { startApi, TEST_KEYS, type TestApi } from "../support/api";
import {
  buildWebApps,
  foreignRequests,
  type KnownViolation,
  launchBrowser,
  plainText,
  screenshot,
  seriousAccessibilityViolations,
  type TestBrowser,
  until,
} from "../support/browser";

type DueEdge = DashboardDueQuery["customersDue"]["edges"][number];

const skip = process.env.CAI_TEST_BROWSER_SKIP;
const describeBrowser = skip ? describe.skip : describe;

const today = new Date(new Date().toISOString().slice(0, 10));
const SEED = { customers: 30, days: 150, seed: 11, end: today };

const RefreshAll = parse("mutation { refreshAllPredictions { id } }") as TypedDocumentNode<
  { refreshAllPredictions: { id: string } },
  Record<string, never>
>;
const RunStatus = parse("query ($id: ID!) { batchRun(id: $id) { status } }") as TypedDocumentNode<
  { batchRun: { status: string } },
  { id: string }
>;

describeBrowser("the web apps in Chromium", () => {
  let api: TestApi;
  let stopApi = async () => {};
  let browser: TestBrowser;
  let origin: string;
  let page: Page;

  beforeAll(async () => {
    buildWebApps();
    const started = await startApi("sqlite", { nodeEnv: "development" });
    api = started.api;
    stopApi = started.stop;
    origin = new URL(api.url).origin;
    await seedDatabase(api.database.prisma, SEED);
    // The daily refresh stores everyone's predictions (customersDue reads them) and leaves a batch run.
    const run = await api.request(RefreshAll, {}, { as: "admin" });
    const id = run.data!.refreshAllPredictions.id;
    while ((await api.request(RunStatus, { id }, { as: "admin" })).data!.batchRun.status === "RUNNING") {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stopApi();
  });

  beforeEach(async () => {
    // A new tab per test: its own sessionStorage, so no key carries over.
    page = await browser.context.newPage();
  });

  afterEach(async () => {
    await page.close();
  });

  afterAll(() => {
    // Every request of every page, frame and worker in the suite went to this server.
    expect(browser.requests.length).toBeGreaterThan(0);
    expect(foreignRequests(browser.requests, origin)).toEqual([]);
  });

  async function expectAccessible(name: string, known: KnownViolation[] = []) {
    expect({ page: name, violations: await seriousAccessibilityViolations(page, known) }).toEqual({
      page: name,
      violations: [],
    });
    await screenshot(page, name);
  }

  /** The customer with the most predictions (asked once: the seed does not change). */
  let busiest: Promise<string> | undefined;
  function busiestCustomer(): Promise<string> {
    busiest ??= (async () => {
      const rows = await api.database.prisma.prediction.groupBy({
        by: ["customerId"],
        where: { supersededAt: null },
        _count: { _all: true },
      });
      rows.sort((a, b) => b._count._all - a._count._all || a.customerId - b.customerId);
      return String(rows[0]!.customerId);
    })();
    return busiest;
  }

  describe("the playground at GET /graphql", () => {
    it("renders GraphiQL with the saved tabs and the header hint, runs a typed query and shows the result", async () => {
      await page.goto(`${origin}/graphql`);
      await expect(page.title()).resolves.toBe("GraphQL playground · Customer AI Analytics");
      const tabs = page.locator(".graphiql-tab .graphiql-tab-button");
      await tabs.first().waitFor();
      await expect(tabs.allTextContents()).resolves.toEqual([
        "CustomerPredictions",
        "CustomersDue",
        "RefreshCustomerPredictions",
      ]);
      const headers = page.locator(".graphiql-editor-tool").first();
      const hint = '"Authorization": "Bearer <key>"';
      expect(
        await until(
          async () => plainText(await headers.textContent()),
          (text) => text.includes(hint),
        ),
      ).toContain(hint);

      // Type an operation of our own into a new tab and run it.
      await page.getByRole("button", { name: "New tab" }).click();
      const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
      await editor.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText("query Mine { categories { name productCount } }");
      // GraphiQL reads the operation's name from the text a moment later (and names the tab after it);
      // run before that and it sends the previous operation's name.
      expect(
        await until(
          () => tabs.allTextContents(),
          (names) => names.includes("Mine"),
        ),
      ).toContain("Mine");
      await page.keyboard.press("ControlOrMeta+Enter");

      const { data } = await api.request(CategoriesDocument, {});
      const first = data!.categories[0]!;
      const response = page.locator(".graphiql-response");
      const shown = await until(
        async () => plainText(await response.textContent()),
        (text) => text.includes(first.name),
      );
      expect(shown).toContain(`"name": "${first.name}"`);
      expect(shown).toContain(`"productCount": ${first.productCount}`);
      await expectAccessible("playground", [
        {
          rule: "nested-interactive",
          selector: ".graphiql-tabs",
          why:
            "GraphiQL 5.4's own tab markup: each <li role=tab> holds its title and close buttons. " +
            "Only fixable in GraphiQL; every other rule, and this rule elsewhere on the page, is checked.",
        },
      ]);
    });

    it("has the schema's documentation and autocompletion (introspection is on wherever the playground is)", async () => {
      await page.goto(`${origin}/graphql`);
      await page.getByRole("button", { name: "New tab" }).click();
      await page.locator(".graphiql-query-editor .monaco-editor").first().click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText("{ customersD");
      await page.keyboard.press("Control+Space");
      const suggestions = page.locator(".suggest-widget .monaco-list-row");
      expect(
        await until(
          () => suggestions.allTextContents(),
          (rows) => rows.some((row) => row.includes("customersDue")),
        ),
      ).toEqual(expect.arrayContaining([expect.stringContaining("customersDue")]));
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
      await page
        .getByRole("button", { name: "Query" })
        .or(page.getByText("Query", { exact: true }))
        .first()
        .click();
      const docs = page.locator(".graphiql-doc-explorer");
      expect(
        await until(
          async () => plainText(await docs.textContent()),
          (text) => text.includes("customersDue"),
        ),
      ).toContain("customersDue");
    });
  });

  describe("the customer view", () => {
    it("draws every category's timeline with the predicted days the API gives, and lists them", async () => {
      const id = await busiestCustomer();
      await page.goto(`${origin}/dashboard/customers/${id}`);
      const chart = page.locator("figure.timeline svg.plot, figure.timeline svg").first();
      await chart.waitFor();
      const { data } = await api.request(DashboardCustomerDocument, { id });
      const predictions = data!.customer!.predictions!;
      expect(predictions.length).toBeGreaterThanOrEqual(2);

      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(data!.customer!.name);
      // One predicted-day mark per category, saying the API's day; one axis label per category.
      await expect(page.locator("g.predicted-day title").allTextContents()).resolves.toEqual(
        predictions.map(predictedTitle),
      );
      const labels = await page.locator('g[aria-label="y-axis tick label"] text').allTextContents();
      expect(labels).toHaveLength(predictions.length);
      // Long names are shortened on the axis ("…"); the start is the category's.
      expect(labels.map((label, i) => predictions[i]!.category.startsWith(label.replace(/…$/, "")))).toEqual(
        predictions.map(() => true),
      );
      expect(await page.locator("g.purchase-day circle").count()).toBeGreaterThan(predictions.length);
      expect(await page.locator("g.prediction-window rect").count()).toBe(predictions.length);

      // The table says the same in words.
      const rows = page.locator("table tbody tr");
      await expect(rows.locator("th").allTextContents()).resolves.toEqual(predictions.map((p) => p.category));
      await expect(rows.locator('td[data-label="Predicted day"]').allTextContents()).resolves.toEqual(
        predictions.map((p) => formatDay(p.nextPurchaseAt)),
      );
      await expect(rows.locator('td[data-label="Why"]').allTextContents()).resolves.toEqual(
        predictions.map((p) => p.reason),
      );
      // The probability of buying within 7 days, as the API states it, in words and as a bar.
      const within7 = rows.locator('td[data-label="Buys within 7 days"]');
      await expect(within7.allTextContents()).resolves.toEqual(
        predictions.map((p) => formatShare(p.probabilityWithin7)),
      );
      await expect(
        within7.locator("meter").evaluateAll((meters) => meters.map((m) => Number(m.getAttribute("value")))),
      ).resolves.toEqual(predictions.map((p) => p.probabilityWithin7));
      await expectAccessible("customer-view");

      // On a phone the page fits the screen: no sideways scrolling.
      await page.setViewportSize({ width: 390, height: 844 });
      const fits = () => page.evaluate("document.documentElement.scrollWidth <= window.innerWidth");
      expect(await until(fits, (value) => value === true)).toBe(true);
      await screenshot(page, "customer-view-phone");
    });

    it('"Refresh now" with an admin key recomputes the predictions: generatedAt moves on', async () => {
      const id = await busiestCustomer();
      await page.goto(`${origin}/dashboard/customers/${id}`);
      const generatedAt = page.locator("time.generated-at");
      const before = await generatedAt.getAttribute("datetime");
      expect(before).toBeTruthy();

      await page.getByRole("button", { name: "Refresh now" }).click();
      const prompt = page.locator(".key-prompt");
      await prompt.getByLabel("API key").fill(TEST_KEYS.admin);
      await prompt.getByRole("button", { name: "Save key and refresh" }).click();
      await page.locator(".refresh .success").waitFor();

      const after = await generatedAt.getAttribute("datetime");
      expect(new Date(after!).getTime()).toBeGreaterThan(new Date(before!).getTime());
      const { data } = await api.request(DashboardCustomerDocument, { id });
      expect(data!.customer!.predictions!.map((p) => p.generatedAt)).toContain(after);
      // The key stays in this tab's sessionStorage only: never the URL, never localStorage.
      expect(page.url()).not.toContain(TEST_KEYS.admin);
      expect(await page.evaluate("JSON.stringify(Object.values(sessionStorage))")).toContain(TEST_KEYS.admin);
      expect(await page.evaluate("JSON.stringify(Object.values(localStorage))")).not.toContain(
        TEST_KEYS.admin,
      );

      // A second refresh needs no key again.
      await page.getByRole("button", { name: "Refresh now" }).click();
      const again = await until(
        async () => new Date((await generatedAt.getAttribute("datetime"))!).getTime(),
        (time) => time > new Date(after!).getTime(),
      );
      expect(again).toBeGreaterThan(new Date(after!).getTime());
      expect(await prompt.count()).toBe(0);
    });

    it("a wrong key, or a key without the admin role, gets a clear message and no refresh", async () => {
      const id = await busiestCustomer();
      await page.goto(`${origin}/dashboard/customers/${id}`);
      const before = await page.locator("time.generated-at").getAttribute("datetime");
      const prompt = page.locator(".key-prompt");

      await page.getByRole("button", { name: "Refresh now" }).click();
      await prompt.getByLabel("API key").fill("not-a-key-of-this-server-0123");
      await prompt.getByRole("button", { name: "Save key and refresh" }).click();
      await expect(page.locator(".refresh .error").textContent()).resolves.toBe(
        "That key was refused: it is not a valid API key for this server. Enter an ADMIN key.",
      );
      // A refused key is forgotten; the page keeps showing the customer.
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
      await expect(page.locator("time.generated-at").getAttribute("datetime")).resolves.toBe(before);

      await prompt.getByLabel("API key").fill(TEST_KEYS.read);
      await prompt.getByRole("button", { name: "Save key and refresh" }).click();
      const forbidden =
        "This key may read but not refresh: “Refresh now” needs an ADMIN key. Enter an admin key.";
      const error = page.locator(".refresh .error");
      expect(
        await until(
          () => error.textContent(),
          (text) => text === forbidden,
        ),
      ).toBe(forbidden);
      await expect(page.locator("time.generated-at").getAttribute("datetime")).resolves.toBe(before);
      await screenshot(page, "customer-view-wrong-key");
    });

    it("is found from the start page by name, with the keyboard alone", async () => {
      const id = await busiestCustomer();
      const { data } = await api.request(DashboardCustomerDocument, { id });
      const customer = data!.customer!;
      await page.goto(`${origin}/dashboard`);
      await page.getByLabel("Name, e-mail or external id").focus();
      await page.keyboard.type(customer.externalId);
      await page.keyboard.press("Enter");
      const link = page.getByRole("link", { name: customer.name });
      await link.waitFor();
      await expectAccessible("start");
      await link.focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(`${origin}/dashboard/customers/${id}`);
      await page.locator("figure.timeline svg").first().waitFor();
    });
  });

  describe("due soon", () => {
    /** The category with the largest audience within 14 days, and that audience in the API's order. */
    async function largestAudience() {
      const { data } = await api.request(CategoriesDocument, {});
      let best: { category: string; ids: string[] } = { category: "", ids: [] };
      for (const { name } of data!.categories) {
        const ids = await audience(name, 14);
        if (ids.length > best.ids.length) best = { category: name, ids };
      }
      return best;
    }

    async function audience(category: string, withinDays: number): Promise<string[]> {
      return (await rankedAudience(category, withinDays)).map((e) => e.node.customer.id);
    }

    /** customersDue's whole audience, every page, in its order. */
    async function rankedAudience(category: string, withinDays: number): Promise<DueEdge[]> {
      const edges: DueEdge[] = [];
      let after: string | null = null;
      for (;;) {
        const response: { data?: DashboardDueQuery | null } = await api.request(DashboardDueDocument, {
          category,
          withinDays,
          first: 100,
          after,
        });
        edges.push(...response.data!.customersDue.edges);
        if (!response.data!.customersDue.pageInfo.hasNextPage) return edges;
        after = response.data!.customersDue.pageInfo.endCursor ?? null;
      }
    }

    // Read in one evaluation: the list re-renders when a page changes, and links read one by one
    // could vanish between listing them and reading them.
    const idsOnPage = (page: Page) =>
      page
        .locator("table.due-list tbody th a")
        .evaluateAll((links) => links.map((link) => link.getAttribute("href")?.split("/").pop() ?? ""));
    const samePage = (expected: string[]) => (ids: string[]) => ids.join() === expected.join();

    it("lists customersDue's audience ranked by probability, a page at a time, and exports it whole as CSV", async () => {
      const { category, ids } = await largestAudience();
      expect(ids.length).toBeGreaterThan(20);
      const ranked = await rankedAudience(category, 14);
      const probabilities = ranked.map((e) => e.node.prediction.probability);
      // Most likely to buy within the 14 days first, as the API ranks them.
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
      expect(probabilities[0]).toBeGreaterThan(probabilities.at(-1)!);
      await page.goto(`${origin}/dashboard/due?category=${encodeURIComponent(category)}&withinDays=14`);
      await page.locator("table.due-list").waitFor();
      expect(await idsOnPage(page)).toEqual(ids.slice(0, 20));
      // Each row shows its probability within the asked days, in the same order.
      const shown = page.locator('table.due-list td[data-label="Buys within 14 days"]');
      await expect(shown.allTextContents()).resolves.toEqual(probabilities.slice(0, 20).map(formatShare));
      await expect(
        shown.locator("meter").evaluateAll((meters) => meters.map((m) => Number(m.getAttribute("value")))),
      ).resolves.toEqual(probabilities.slice(0, 20));
      await expect(page.locator("section p.hint").textContent()).resolves.toMatch(
        /^Ranked by the API: most likely to buy within 14 days first/,
      );
      await expect(page.locator('table.due-list td[data-label="Rank"]').first().textContent()).resolves.toBe(
        "1",
      );
      await expectAccessible("due-soon");

      await page.getByRole("button", { name: "Next page" }).click();
      expect(await until(() => idsOnPage(page), samePage(ids.slice(20, 40)))).toEqual(ids.slice(20, 40));
      await page.getByRole("button", { name: "Previous page" }).click();
      expect(await until(() => idsOnPage(page), samePage(ids.slice(0, 20)))).toEqual(ids.slice(0, 20));

      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Export all as CSV" }).click();
      const file = await (await download).path();
      const lines = fs.readFileSync(file, "utf8").trimEnd().split("\r\n");
      expect(lines[0]).toBe(
        "rank,customerId,externalId,name,category,probabilityWithin14Days,nextPurchaseAt,windowStart,windowEnd,overdue,reason",
      );
      expect(lines.slice(1).map((line) => line.split(",")[1])).toEqual(ids);
      expect(lines.slice(1).map((line) => Number(line.split(",")[5]))).toEqual(probabilities);
    });

    it("the form changes the deep link, and an unknown category is answered with the closest names", async () => {
      await page.goto(`${origin}/dashboard/due`);
      await page.getByLabel("Category").fill("fluid milk prodcts");
      await page.getByLabel("Within days").fill("3");
      await page.getByRole("button", { name: "Show audience" }).click();
      await page.waitForURL(/\/dashboard\/due\?category=fluid\+milk\+prodcts&withinDays=3$/);
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(
        /got "fluid milk prodcts"\. Did you mean "FLUID MILK PRODUCTS"/,
      );
    });
  });

  describe("model health", () => {
    it("asks for an admin key, then shows accuracy, the AI budget and the batch runs", async () => {
      await page.goto(`${origin}/dashboard/health`);
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(/API key/);
      await page.getByText("API key: none (anonymous)").click();
      await page.locator(".key-status").getByLabel("API key").fill(TEST_KEYS.admin);
      await page.locator(".key-status").getByRole("button", { name: "Use this key" }).click();
      await page.getByRole("heading", { name: "Recent batch refreshes" }).waitFor();
      await expect(page.getByRole("heading", { name: /^AI budget, \d{4}-\d{2}$/ }).count()).resolves.toBe(1);
      await expect(page.getByText("Analyzer in use: statistical.").count()).resolves.toBe(1);
      const run = page.locator("section[aria-label='Recent batch refreshes'] tbody tr").first();
      await expect(run.locator('td[data-label="Status"]').textContent()).resolves.toBe("succeeded");
      await expect(run.locator('td[data-label="Started by"]').textContent()).resolves.toBe("api");
      await expectAccessible("model-health");
    });
  });
});
