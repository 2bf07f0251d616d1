// Progress for long commands: a live bar on a terminal; elsewhere (CI, pipes) a plain line every
// few seconds, so logs stay readable. Both show the same line: share done, amount, rate and time
// left, all measured from when the bar started (so the rate agrees with a summary of the same work).
import { Format, Presets, SingleBar } from "cli-progress";

export interface Progress {
  /** Sets the amount done so far and, with `countUnit`, the count the rate is of. */
  update(done: number, count?: number): void;
  /** Adds n units of work done. */
  increment(n?: number): void;
  /** Ends the display; call once. */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Total units (e.g. customers or bytes); 0 or undefined when unknown. */
  total?: number;
  /** What is measured: "customers", … ; "bytes" is shown in MB. */
  unit: string;
  /** What the rate counts when it is not the unit (the import measures bytes, counts rows). */
  countUnit?: string;
  /** false turns progress off entirely (tests, --quiet). */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress({
  label,
  total = 0,
  unit,
  countUnit,
  enabled = true,
  stream = process.stderr,
}: ProgressOptions): Progress {
  if (!enabled) return { update() {}, increment() {}, stop() {} };
  const state: ProgressState = { label, total, unit, countUnit, done: 0, count: 0, started: Date.now() };
  const display = stream.isTTY ? terminalBar(state, stream) : periodicLines(state, stream);
  return {
    update(done, count = done) {
      state.done = done;
      state.count = count;
      display.render();
    },
    increment(n = 1) {
      state.done += n;
      state.count += n;
      display.render();
    },
    stop: () => display.stop(),
  };
}

/**
 * The progress line without the bar, e.g. "45% | 12.3/27.1 MB | 120,000 rows, 40,000 rows/s | 3 s left".
 * Exported for tests.
 */
export function describeProgress(state: ProgressState, now = Date.now()): string {
  const seconds = Math.max((now - state.started) / 1000, 0.001);
  const parts: string[] = [];
  if (state.total) parts.push(`${Math.floor((100 * Math.min(state.done, state.total)) / state.total)}%`);
  parts.push(amount(state));
  const rate = `${number(Math.round(state.count / seconds))} ${state.countUnit ?? state.unit}/s`;
  parts.push(state.countUnit ? `${number(state.count)} ${state.countUnit}, ${rate}` : rate);
  if (state.total && state.done > 0 && state.done < state.total) {
    parts.push(`${duration((seconds * (state.total - state.done)) / state.done)} left`);
  }
  return parts.join(" | ");
}

export interface ProgressState {
  label: string;
  total: number;
  unit: string;
  countUnit: string | undefined;
  done: number;
  count: number;
  /** Date.now() when the bar started. */
  started: number;
}

// ---- private helpers ----

interface Display {
  render(): void;
  stop(): void;
}

function terminalBar(state: ProgressState, stream: NodeJS.WriteStream): Display {
  const bar = new SingleBar(
    {
      stream,
      hideCursor: true,
      // Our own line (same as the non-terminal one) with cli-progress's bar in front of it.
      format: (options, params) =>
        `${state.label} [${state.total ? Format.BarFormat(params.progress, options) : "…"}] ${describeProgress(state)}`,
    },
    Presets.shades_classic,
  );
  bar.start(state.total || 1, 0);
  return {
    render: () => bar.update(state.total ? Math.min(state.done, state.total) : 0),
    stop: () => bar.stop(),
  };
}

function periodicLines(state: ProgressState, stream: NodeJS.WriteStream): Display {
  let last = state.started;
  let printed = -1;
  const line = () => {
    if (state.done === printed) return;
    printed = state.done;
    stream.write(`${state.label}: ${describeProgress(state)}\n`);
  };
  return {
    render() {
      if (Date.now() - last >= 5_000) {
        last = Date.now();
        line();
      }
    },
    stop: line,
  };
}

function amount({ done, total, unit }: ProgressState): string {
  if (unit === "bytes") return `${megabytes(done)}${total ? `/${megabytes(total)}` : ""} MB`;
  return `${number(done)}${total ? `/${number(total)}` : ""} ${unit}`;
}

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

function number(value: number): string {
  return value.toLocaleString("en-US");
}

/** "45 s", "3 min 05 s", "1 h 02 min". */
function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, "0")} min`;
}
