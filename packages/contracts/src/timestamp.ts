// Go's time.Time as JSON: RFC 3339 with up to nanosecond precision. Records carry epoch microseconds (the
// nanoseconds are truncated); Go's zero time means "never" and becomes null.
// Parsed by hand: a status update carries a dozen timestamps and this is on the gateway's hot path
// (a regex plus Number() per part was ~15% of normalize+encode+decode).

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Years a timestamp may name (its own offset applied or not): all within safe epoch micros. */
const MIN_YEAR = 1700;
const MAX_YEAR = 2250;

const YEAR = '(?:1[7-9][0-9]{2}|2[01][0-9]{2}|22[0-4][0-9]|2250)';
const LEAP_YEAR = '(?:(?:1[7-9]|2[01])(?:0[48]|[2468][048]|[13579][26])|2000|22(?:0[48]|[24][048]|[13][26]))';
const MONTH_DAY =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
const TIME =
  '[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])';
const GO_ZERO = '0001-01-01[Tt ]00:00:00(?:\\.(?:0{1,6}|0{6}[0-9]{1,3}))?(?:[Zz]|[+-]00:00)';

/**
 * Exactly the texts parseTimestamp accepts, as a regular expression (for the gateway's API document):
 * RFC 3339 (also with a space or lower-case letters, as Go's parser allows) in years 1700..2250, real
 * calendar days, leap seconds, 1..9 fraction digits; or Go's zero time.
 */
export const TIMESTAMP_PATTERN = `^(?:(?:${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)${TIME}|${GO_ZERO})$`;

const ZERO = 48;

/** The decimal number in text[start, start+count), or -1 when any of it is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

export type TimestampResult = number | null | 'invalid' | 'out_of_range';

/**
 * Epoch micros of an RFC 3339 timestamp (`2026-11-23T10:15:02.123456789Z`, `...+02:00`); null for Go's
 * zero time; 'invalid' when it is not RFC 3339; 'out_of_range' outside the years 1700..2250 (the micros
 * stay a safe integer up to about 1685 and 2255).
 */
export function parseTimestamp(text: string): TimestampResult {
  // A report repeats timestamps (last_request = last_successful_request, zero times): remember the last one.
  if (text === lastText) return lastResult;
  const result = parse(text);
  lastText = text;
  lastResult = result;
  return result;
}

let lastText = '';
let lastResult: TimestampResult = 'invalid';

// The date and time to the second (`2026-12-01T08:36:06`) of the last UTC timestamp parsed to micros, and
// those micros less the fraction. The created timestamps of a report's metrics (82 in a real v1.22.3
// update) all fall in the second the OPA process started: past the first, only the fraction is read.
let secondText = '';
let secondMicros = 0;

/** Micros within the second of `.ffffffffZ` (or `Z`) from position 19 to the end; -1 for anything else. */
function utcFraction(text: string): number {
  const length = text.length;
  const last = text.charCodeAt(length - 1);
  if (last !== 90 && last !== 122) return -1; // Z, z
  if (length === 20) return 0;
  if (text.charCodeAt(19) !== 46 || length < 22 || length > 30) return -1; // . then 1..9 digits
  let micros = 0;
  for (let pos = 20; pos < length - 1; pos++) {
    const d = text.charCodeAt(pos) - ZERO;
    if (d < 0 || d > 9) return -1;
    if (pos < 26) micros = micros * 10 + d;
  }
  for (let i = length - 21; i < 6; i++) micros *= 10;
  return micros;
}

function parse(text: string): TimestampResult {
  if (secondText !== '' && text.startsWith(secondText)) {
    const fraction = utcFraction(text);
    if (fraction >= 0) return secondMicros + fraction;
  }
  const result = parseFully(text);
  if (typeof result === 'number' && text.length >= 20) {
    const fraction = utcFraction(text);
    if (fraction >= 0) {
      secondText = text.slice(0, 19);
      secondMicros = result - fraction;
    }
  }
  return result;
}

function parseFully(text: string): TimestampResult {
  const length = text.length;
  if (length < 20 || length > 35) return 'invalid';
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const t = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 116 && t !== 32) || // T, t, space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > DAYS_IN_MONTH[month]! ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 // leap second, as RFC 3339 allows
  ) {
    return 'invalid';
  }
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return 'invalid';
  let pos = 19;
  let micros = 0;
  if (text.charCodeAt(pos) === 46) {
    // . then 1..9 digits; keep the first six (micros), truncate the rest
    pos++;
    const start = pos;
    while (pos < length) {
      const d = text.charCodeAt(pos) - ZERO;
      if (d < 0 || d > 9) break;
      if (pos - start < 6) micros = micros * 10 + d;
      pos++;
    }
    const count = pos - start;
    if (count === 0 || count > 9) return 'invalid';
    for (let i = count; i < 6; i++) micros *= 10;
  }
  let offsetSeconds = 0;
  const zone = text.charCodeAt(pos);
  if (zone === 90 || zone === 122) {
    // Z, z
    pos++;
  } else if (zone === 43 || zone === 45) {
    // +, -
    const offsetHours = digits(text, pos + 1, 2);
    const offsetMinutes = digits(text, pos + 4, 2);
    if (
      text.charCodeAt(pos + 3) !== 58 ||
      offsetHours < 0 ||
      offsetHours > 23 ||
      offsetMinutes < 0 ||
      offsetMinutes > 59
    ) {
      return 'invalid';
    }
    offsetSeconds = (zone === 45 ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
    pos += 6;
  } else {
    return 'invalid';
  }
  if (pos !== length) return 'invalid';
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  // Go's zero time as Go writes it (UTC, no fraction beyond microseconds), not any instant equal to it.
  if (year === 1 && month === 1 && day === 1 && hour + minute + second + micros === 0 && offsetSeconds === 0)
    return null;
  if (year < MIN_YEAR || year > MAX_YEAR) return 'out_of_range';
  return (seconds - offsetSeconds) * 1_000_000 + micros;
}
