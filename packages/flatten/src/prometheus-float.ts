// Formats floats the way Prometheus writes `le` and `quantile` label values: Go's
// strconv.FormatFloat(f, 'g', -1, 64) plus `+Inf`, `-Inf`, `NaN`. With precision -1 Go switches to
// exponent form when the decimal exponent is < -4 or >= 6, and writes at least two exponent
// digits: 0.0001, 1e-05, 100000, 1e+06, 1.5e+07.

// Bucket bounds and quantiles repeat in every report: remember recent ones (bounded).
const cache = new Map<number, string>();
const CACHE_LIMIT = 4096;

export function formatPrometheusFloat(value: number): string {
  let text = cache.get(value);
  if (text === undefined) {
    text = format(value);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(value, text);
  }
  return text;
}

function format(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // toExponential() without an argument gives the shortest round-tripping digits, like Go's -1.
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  // In this range JavaScript's shortest decimal form is Go's %f form.
  return String(value);
}
