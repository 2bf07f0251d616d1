// Runs a command from src/cli the way a user does (its own process, real env and exit code),
// transpiled on the fly so tests need no build step.
import { spawn } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../../src/project-root";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register", path.join("src", "cli", `${command}.ts`), ...args],
      {
        cwd: projectRoot(),
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1", LOG_LEVEL: "warn", ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
