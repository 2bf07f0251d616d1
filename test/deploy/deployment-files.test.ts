// Docker is not part of the test machine, so the deployment files are checked by reading them: the
// compose file parses, has the roles the issue asks for (PostgreSQL, Redis that never evicts, a
// one-off migration, 2 API replicas, 2 workers), every variable it sets is one loadConfig reads and
// accepts, and every command runs a file the build makes; the Dockerfile is multi-stage, prunes dev
// dependencies, runs as a non-root user and has a health check.
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ENVIRONMENT_VARIABLES, loadConfig } from "../../src/config";
import { projectRoot } from "../../src/project-root";

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
}

const root = projectRoot();
const compose = parse(fs.readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const APP_SERVICES = ["migrate", "api", "worker"];

/** The environment as compose would pass it with the variables of .env.example. */
function resolved(environment: Record<string, string>): Record<string, string> {
  const example = Object.fromEntries(
    fs
      .readFileSync(path.join(root, ".env.example"), "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{([A-Z_]+)(?::?[-?]([^}]*))?\}/g, (_, variable: string, fallback = "") =>
        variable in example ? example[variable]! : fallback,
      ),
    ]),
  );
}

describe("docker-compose.yml", () => {
  it("has PostgreSQL, a Redis that never evicts, a one-off migration, 2 API replicas and 2 workers", () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(["api", "migrate", "postgres", "redis", "worker"]);
    expect(services.redis!.command!.join(" ")).toContain("--maxmemory-policy noeviction");
    expect(services.migrate!.restart).toBe("no");
    expect(services.api!.deploy!.replicas).toBe(2);
    expect(services.worker!.deploy!.replicas).toBe(2);
    for (const name of ["api", "worker"]) {
      expect(services[name]!.depends_on!.migrate!.condition).toBe("service_completed_successfully");
    }
    expect(services.worker!.healthcheck!.test).toEqual(["CMD", "node", "scripts/healthcheck.mjs", "9464"]);
  });

  it.each(APP_SERVICES)("%s sets only variables the service reads, with values it accepts", (name) => {
    const environment = resolved(compose.services[name]!.environment!);
    const unknown = Object.keys(environment).filter((variable) => !ENVIRONMENT_VARIABLES.includes(variable));
    expect(unknown).toEqual([]);
    const config = loadConfig(environment);
    expect(config).toMatchObject({
      nodeEnv: "production",
      databaseProvider: "postgresql",
      migrateOnStart: false,
      predictions: { redisUrl: "redis://redis:6379" },
      queue: { prefix: "cai" },
    });
  });

  it.each(APP_SERVICES)("%s runs a program the build makes", (name) => {
    const command = compose.services[name]!.command!;
    const program = command.find((part) => part.startsWith("dist/"))!;
    const source = program.replace(/^dist\//, "").replace(/\.js$/, ".ts");
    expect(fs.existsSync(path.join(root, source))).toBe(true);
  });

  it("schedules the refresh on the API replicas with a REFRESH_CRON the service accepts", () => {
    const config = loadConfig(resolved(compose.services.api!.environment!));
    expect(config.predictions.refreshCron).toBe("0 3 * * *");
  });
});

describe("Dockerfile", () => {
  const dockerfile = fs.readFileSync(path.join(root, "Dockerfile"), "utf8");
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it("builds in one stage and runs from another with production dependencies only", () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/RUN npm ci\b/);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
    expect(stages[1]).toMatch(/COPY --from=build .*\/app\/node_modules/);
    expect(stages[1]).not.toMatch(/npm (ci|install)/);
  });

  it("runs as a non-root user, with a health check, the API by default", () => {
    const runtime = stages[1]!;
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n\s*CMD \["node", "scripts\/healthcheck\.mjs"\]/m);
    expect(runtime).toMatch(/^CMD \["node", "--max-old-space-size=1024", "dist\/src\/cli\/start\.js"\]$/m);
    expect(fs.existsSync(path.join(root, "scripts", "healthcheck.mjs"))).toBe(true);
  });

  it("copies what the runtime reads: the build, the migrations and the health check", () => {
    for (const needed of ["/app/dist", "/app/prisma", "/app/scripts/healthcheck.mjs", "/app/package.json"]) {
      expect(stages[1]).toContain(needed);
    }
  });
});
