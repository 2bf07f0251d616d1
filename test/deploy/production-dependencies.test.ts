// The image runs with production dependencies only (the Dockerfile prunes the rest), so every package
// the compiled server loads must be a dependency, not a devDependency: a miss would start fine here
// and crash in production. Each source file is compiled as tsc compiles it (type-only imports vanish)
// and its require() calls are read. The browser apps are bundled at build time and need nothing at
// run time, so web/ is not checked.
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";
import { projectRoot } from "../../src/project-root";

const root = projectRoot();
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The package a bare specifier names ("@scope/name/sub" → "@scope/name"); undefined for paths. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The specifiers a file require()s once compiled to CommonJS. */
function requiresOf(file: string): string[] {
  const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  });
  return [...outputText.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1]!);
}

describe("production dependencies", () => {
  const builtins = new Set(builtinModules);
  const loaded = new Map<string, string>();
  for (const file of sources(path.join(root, "src"))) {
    for (const specifier of requiresOf(file)) {
      const name = packageOf(specifier);
      if (name && !name.startsWith("node:") && !builtins.has(name) && !loaded.has(name)) {
        loaded.set(name, path.relative(root, file));
      }
    }
  }

  it("reads the packages the server loads", () => {
    // A sanity check on the reading itself: these are loaded for certain.
    expect([...loaded.keys()]).toEqual(expect.arrayContaining(["@apollo/server", "graphql", "bullmq"]));
  });

  it("lists every package the server loads under dependencies", () => {
    const missing = [...loaded].filter(([name]) => !(name in pkg.dependencies));
    expect(missing.map(([name, file]) => `${name} (first loaded by ${file})`)).toEqual([]);
  });
});
