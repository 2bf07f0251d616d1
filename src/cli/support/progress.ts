// Progress for long commands: a live bar on a terminal; elsewhere (CI, pipes) a plain line every
// few seconds, so logs stay readable.
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  /** Adds n units of work done. */
  increment(n?: number): void;
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
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted}`,
      stream,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: 0 });
  let value = 0;
  return {
    increment(n = 1) {
      value += n;
      bar.update(value, { rate: Math.round(value / Math.max((Date.now() - started) / 1000, 0.001)) });
    },
    stop: () => bar.stop(),
  };
}

function periodicLines(label: string, total: number, unit: string, stream: NodeJS.WriteStream): Progress {
  const started = Date.now();
  let value = 0;
  let last = started;
  let printed = -1;
  const line = () => {
    if (value === printed) return;
    printed = value;
    const seconds = (Date.now() - started) / 1000;
    const share = total ? ` (${Math.floor((100 * value) / total)}%)` : "";
    stream.write(
      `${label}: ${value}${total ? `/${total}` : ""} ${unit}${share}, ${Math.round(value / Math.max(seconds, 0.001))} ${unit}/s\n`,
    );
  };
  return {
    increment(n = 1) {
      value += n;
      if (Date.now() - last >= 5_000) {
        last = Date.now();
        line();
      }
    },
    stop: line,
  };
}
