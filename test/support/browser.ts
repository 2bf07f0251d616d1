// One headless Chromium for a test file (Debian's package: playwright-core downloads no browser),
// in a fresh, empty profile, and what the browser tests share: the web build, the request log that
// proves nothing leaves the host, the accessibility scan and screenshots.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { projectRoot } from "../../src/project-root";

/** CHROMIUM_PATH, or where Debian's chromium package puts it. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/** Why the browser suites cannot run here, or undefined when they can (see global-setup). */
export function chromiumProblem(): string | undefined {
  try {
    fs.accessSync(chromiumPath(), fs.constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${chromiumPath()} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

/** Screenshots land here (git-ignored). */
export const SCREENSHOT_DIR = path.join(projectRoot(), "test-results", "web");

/** Builds web/ into dist/web unless it is current (scripts/build-web.mjs decides; ~0.5 s when it is). */
export function buildWebApps(): void {
  const run = spawnSync(process.execPath, [path.join(projectRoot(), "scripts", "build-web.mjs")], {
    cwd: projectRoot(),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`the web build failed:\n${run.stdout}\n${run.stderr}`);
}

export interface TestBrowser {
  context: BrowserContext;
  /** Every URL any page, frame or worker of the context asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "cai-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    // Playwright passes --headless itself.
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
    // The pages write days in the browser's time zone; the tests compute them in this process's.
    timezoneId: Intl.DateTimeFormat().resolvedOptions().timeZone,
    locale: "en-GB",
    acceptDownloads: true,
  });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  const watch = (page: Page) => page.on("worker", (worker) => requests.push(worker.url()));
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    requests,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The URLs that went anywhere but the test server (blob: and data: URLs of its own pages count as its own). */
export function foreignRequests(requests: readonly string[], origin: string): string[] {
  return requests.filter((url) => {
    if (url.startsWith("data:")) return false;
    const own = url.startsWith("blob:") ? url.slice("blob:".length) : url;
    return new URL(own).origin !== origin;
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * A violation that is not ours to fix, by rule and the elements it is allowed on, with the reason.
 * Each must be narrow: the rule is still checked everywhere else on the page.
 */
export interface KnownViolation {
  rule: string;
  selector: string;
  why: string;
}

/** axe-core's serious and critical violations on the page as it is now, minus the known ones. */
export async function seriousAccessibilityViolations(
  page: Page,
  known: readonly KnownViolation[] = [],
): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the pages' Content-Security-Policy forbids inline scripts.
  await page.evaluate(axeSource);
  // Every rule on the whole page, except that a known violation's rule skips its elements.
  const runs = [
    {
      context: "document",
      options: { rules: Object.fromEntries(known.map((k) => [k.rule, { enabled: false }])) },
    },
    ...known.map((k) => ({
      context: JSON.stringify({ include: [["html"]], exclude: [[k.selector]] }),
      options: { runOnly: { type: "rule", values: [k.rule] } },
    })),
  ];
  const violations: AxeViolation[] = [];
  for (const { context, options } of runs) {
    // A string, evaluated in the page: this project's TypeScript has no DOM types.
    const found = (await page.evaluate(
      `axe.run(${context}, ${JSON.stringify({ ...options, resultTypes: ["violations"] })}).then((r) => r.violations)`,
    )) as AxeViolation[];
    violations.push(...found);
  }
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target }) => ({ target })),
    }));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Reads until `done` accepts the value or the time is up, and returns the last value read: the
 * caller asserts on it, so a timeout fails with what the page showed last.
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An editor's text as a person reads it (Monaco draws spaces as no-break spaces). */
export function plainText(text: string | null): string {
  return (text ?? "").replaceAll("\u00a0", " ");
}
