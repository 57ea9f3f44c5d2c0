// Samples from a Prometheus text exposition (what the services' /metrics answer, prom-client's output).
// Only what the ingestion-health panel reads: the families declared (`# TYPE` lines: a labelled counter
// has no sample before its first increment, but is declared) and each sample's name, labels and value;
// timestamps are skipped. Written here rather than taken from a library: the format's sample line is
// small and stable, and the maintained parsers come with a client and a registry we do not need.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;

export interface Exposition {
  /** Family names from the `# TYPE` lines. */
  families: Set<string>;
  samples: Sample[];
}

const TYPE_LINE = /^#[ \t]+TYPE[ \t]+([A-Za-z_:][A-Za-z0-9_:]*)[ \t]/;

export function parsePrometheusText(text: string): Exposition {
  const families = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const type = TYPE_LINE.exec(line);
      if (type) families.add(type[1]!);
      continue;
    }
    if (line.length === 0) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const value = parseValue(match[3]!);
    if (value === null) continue;
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value });
  }
  return { families, samples };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_e, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string): number | null {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}
