// --cpu-profile DIR of `npm run bench`: V8's CPU profiler around a phase on this thread (the server's),
// saved for Chrome DevTools, with the functions and packages that took the most self time printed.
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Runs body under V8's CPU profiler (this thread), saves DIR/name.cpuprofile, prints the top self times. */
export async function profiled<T>(
  dir: string,
  name: string,
  body: () => Promise<T>,
  progress: (message: string) => void,
): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await body();
  } finally {
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    session.disconnect();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    progress(`${file}: most self time\n${topSelfTime(profile, 20)}`);
  }
}

function topSelfTime(profile: CpuProfile, count: number): string {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples?.forEach((id, i) => {
    const micros = profile.timeDeltas?.[i] ?? 0;
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
    const fn = `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.startsWith("dist/") ? "project" : where || fn);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    total += micros;
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([what, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${what}`);
  return [...top(byFunction, count), "  by package:", ...top(byPackage, 10)].join("\n");
}
