// Preloaded (node --require) into a child process the bench measures, such as the refresh CLI: at exit
// it writes the process's peak resident set size in KiB to the file BENCH_PEAK_RSS_FILE names. The
// kernel's own high-water mark is exact, where polling /proc from outside can miss a short peak, and
// /usr/bin/time is not installed everywhere.
import fs from "node:fs";

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file) {
  process.on("exit", () => {
    fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
