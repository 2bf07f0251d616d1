import pino, { type Logger } from "pino";
import pinoPretty from "pino-pretty";
import type { Config } from "./config";

export type { Logger };

/** Fields that can carry personal data or secrets, redacted wherever they appear. */
const REDACT = {
  paths: ["email", "*.email", "authorization", "*.authorization", "password"],
  censor: "[redacted]",
};

/**
 * Structured JSON logs on stderr (stdout stays free for command output). Fields that can carry
 * personal data or secrets are redacted wherever they appear.
 */
export function createLogger(
  config: Pick<Config, "logLevel">,
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  return pino({ level: config.logLevel, redact: REDACT }, destination);
}

/**
 * For a command a person sits in front of (the demo): every log line as JSON in `file` at LOG_LEVEL,
 * and warnings and errors also on stderr as one readable line each ("WARN: …"), so request logs
 * never interleave with what the command prints.
 */
export function createFileLogger(config: Pick<Config, "logLevel">, file: string): Logger {
  if (config.logLevel === "silent") return createLogger(config);
  const toFile = pino.destination({ dest: file, mkdir: true, sync: true });
  const toPerson = pinoPretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY,
    ignore: "pid,hostname,time",
    hideObject: true,
    messageFormat: (log, messageKey) => {
      const err = log.err as { message?: string } | undefined;
      return `${String(log[messageKey])}${err?.message ? `: ${err.message}` : ""}`;
    },
  });
  const streams = pino.multistream([
    { level: config.logLevel, stream: toFile },
    { level: "warn", stream: toPerson },
  ]);
  // The logger passes on everything either stream wants; each stream keeps to its own level.
  const level = pino.levels.values[config.logLevel]! < pino.levels.values.warn! ? config.logLevel : "warn";
  return pino({ level, redact: REDACT }, streams);
}
