import pino, { type Logger } from "pino";
import type { Config } from "./config";

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output). Fields that can carry
 * personal data or secrets are redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, "logLevel">, destination = pino.destination(2)): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: ["email", "*.email", "authorization", "*.authorization", "password"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
