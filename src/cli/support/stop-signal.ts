// Ctrl-C (SIGINT) or SIGTERM while a command works: say what happens now, and let the work stop at
// its next safe point through an AbortSignal instead of the process dying mid-write.

export interface StopSignal {
  /** Aborted on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Stops listening (call it when the work ends, so later signals behave as usual). */
  release(): void;
}

/**
 * @example
 *   const stop = abortOnStopSignal("stopping after the chunks in flight…");
 *   try { await work({ signal: stop.signal }); } finally { stop.release(); }
 */
export function abortOnStopSignal(message: string): StopSignal {
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write(`${message}\n`);
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
