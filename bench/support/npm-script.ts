// The node flags an npm script runs its CLI with (such as --max-old-space-size), so that the bench
// starts a child process the way users start it rather than with a copy of the flags.
import fs from "node:fs";
import path from "node:path";

/**
 * The flags between `node` and the script's `dist/…` file, e.g. ["--max-old-space-size=300"] for
 * `"refresh": "npm run -s build && node --max-old-space-size=300 dist/src/cli/refresh.js"`.
 */
export function nodeFlagsOfScript(script: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const command = pkg.scripts[script];
  if (command === undefined) throw new Error(`package.json has no "${script}" script`);
  const flags = /\bnode ((?:-\S+\s+)*)dist\//.exec(command);
  if (!flags)
    throw new Error(`package.json's "${script}" script does not run node on a dist/ file: ${command}`);
  return flags[1]!.trim().split(/\s+/).filter(Boolean);
}
