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
  testTimeout: 60_000,
};

export default config;
