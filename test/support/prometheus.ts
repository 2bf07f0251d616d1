// Reads Prometheus's text exposition format (version 0.0.4) strictly enough to catch a malformed
// line: every line is a comment (# HELP / # TYPE), blank, or `name{label="value",…} number`.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  /** The sum of the samples named `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";

function numberOf(text: string): number {
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);

/** @throws naming the first line that is not in the format. */
export function parsePrometheus(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (line === "" || HELP.test(line)) return;
    const type = TYPE.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      return;
    }
    const sample = SAMPLE.exec(line);
    // Prometheus reads NaN and ±Inf in any case (prom-client writes "Nan").
    const value = sample ? numberOf(sample[3]!) : Number.NaN;
    if (!sample || (Number.isNaN(value) && sample[3]!.toLowerCase() !== "nan")) {
      throw new Error(`line ${i + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    }
    const labels: Record<string, string> = {};
    const body = sample[2] ?? "";
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (!label) throw new Error(`line ${i + 1} has malformed labels: ${JSON.stringify(line)}`);
      labels[label[1]!] = label[2]!;
    }
    samples.push({ name: sample[1]!, labels, value });
  });
  return {
    samples,
    types,
    value(name, wanted = {}) {
      return samples
        .filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
    },
  };
}
