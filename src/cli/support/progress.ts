// Progress for long commands: a live bar on a terminal; elsewhere (CI, pipes) a plain line every
// few seconds, so logs stay readable.
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  /** Adds n units of work done; `detail` (e.g. "1,234 cases") is shown after the count. */
  increment(n?: number, detail?: string): void;
  /** Ends the display; call once. */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Total units (e.g. customers or bytes); 0 or undefined when unknown. */
  total?: number;
  unit: string;
  /** false turns progress off entirely (tests, --quiet). */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress({
  label,
  total = 0,
  unit,
  enabled = true,
  stream = process.stderr,
}: ProgressOptions) {
  if (!enabled) return { increment() {}, stop() {} } satisfies Progress;
  if (stream.isTTY) return terminalBar(label, total, unit, stream);
  return periodicLines(label, total, unit, stream);
}

function terminalBar(label: string, total: number, unit: string, stream: NodeJS.WriteStream): Progress {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit}{detail} | {rate} ${unit}/s | eta {eta_formatted}`,
      stream,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: 0, detail: "" });
  let value = 0;
  return {
    increment(n = 1, detail?: string) {
      value += n;
      bar.update(value, {
        rate: Math.round(value / Math.max((Date.now() - started) / 1000, 0.001)),
        detail: detail ? `, ${detail}` : "",
      });
    },
    stop: () => bar.stop(),
  };
}

function periodicLines(label: string, total: number, unit: string, stream: NodeJS.WriteStream): Progress {
  const started = Date.now();
  let value = 0;
  let last = started;
  let printed = -1;
  let detail = "";
  const line = () => {
    if (value === printed) return;
    printed = value;
    const seconds = (Date.now() - started) / 1000;
    const rate = value / Math.max(seconds, 0.001);
    const share = total ? ` (${Math.floor((100 * value) / total)}%)` : "";
    const eta = total && rate > 0 && value < total ? `, eta ${Math.ceil((total - value) / rate)} s` : "";
    stream.write(
      `${label}: ${value}${total ? `/${total}` : ""} ${unit}${share}${detail ? `, ${detail}` : ""}, ${Math.round(rate)} ${unit}/s${eta}\n`,
    );
  };
  return {
    increment(n = 1, latest?: string) {
      value += n;
      if (latest !== undefined) detail = latest;
      if (Date.now() - last >= 5_000) {
        last = Date.now();
        line();
      }
    },
    stop: line,
  };
}
