// Go's time.Time as JSON: RFC 3339 with up to nanosecond precision. Records carry epoch microseconds (the
// nanoseconds are truncated); Go's zero time means "never" and becomes null.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Go's zero time, 0001-01-01T00:00:00Z, in epoch seconds.
const GO_ZERO_SECONDS = daysFromCivil(1, 1, 1) * 86_400;

export type TimestampResult = number | null | 'invalid' | 'out_of_range';

/**
 * Epoch micros of an RFC 3339 timestamp; null for Go's zero time; 'invalid' when it is not RFC 3339;
 * 'out_of_range' when the micros would not be a safe integer (roughly before 1685 or after 2255).
 */
export function parseTimestamp(text: string): TimestampResult {
  const m = RFC3339.exec(text);
  if (!m) return 'invalid';
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return 'invalid';
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return 'invalid';
  if (hour > 23 || minute > 59 || second > 60) return 'invalid'; // 60: leap second, as RFC 3339 allows
  let offsetSeconds = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return 'invalid';
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const seconds =
    daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  const fraction = m[7];
  const micros = fraction === undefined ? 0 : Number(`${fraction}00000`.slice(0, 6));
  if (seconds === GO_ZERO_SECONDS && micros === 0) return null;
  const result = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(result) ? result : 'out_of_range';
}
