import type { Config } from "jest";
import { compilerOptions } from "./tsconfig.json";

const tsconfig = { ...compilerOptions, rootDir: "." };

const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // type-graphql's decorators read metadata as classes load, in whatever order a test imports them.
  setupFiles: ["reflect-metadata"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  reporters: ["default", "<rootDir>/test/support/summary-line-reporter.cjs"],
  transform: {
    // Type errors are caught once by `npm run typecheck`; jest only transpiles. Jest's module
    // system has no import() without --experimental-vm-modules, so the transpile turns the dynamic
    // imports (Prisma's generated client loads its query compiler that way) into require().
    "^.+\\.ts$": [
      "ts-jest",
      { tsconfig: { ...tsconfig, module: "commonjs", moduleResolution: "node10", isolatedModules: true } },
    ],
  },
  // Database suites create their own databases; on 2 cores more workers only add contention.
  maxWorkers: 2,
  // The Redis-outage tests destroy clients that are between connection attempts. node-redis then
  // finishes its back-off sleep (at most 2.2 s) before its retry loop sees the client closed. Until
  // that sleep fires, the worker cannot exit, and jest's default 500 ms grace reports a leak that
  // ends by itself. A handle that is really left open still outlasts 3 s and is still reported.
  workerGracefulExitTimeout: 3_000,
  testTimeout: 60_000,
};

export default config;
