// The cookie-date algorithm of RFC 6265bis section 5.1.1: how a browser reads an Expires value.
// It is deliberately loose (it finds a time, a day, a month and a year among the tokens, in any
// order) because servers have sent every date format imaginable since 1994.

/**
 * date-token = 1*non-delimiter, where
 * delimiter  = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
 *
 * Everything else (digits, letters, ":", controls and octets above %x7F) belongs to a token.
 */
function isDelimiter(code: number): boolean {
  return (
    code === 0x09 ||
    (code >= 0x20 && code <= 0x2f) ||
    (code >= 0x3b && code <= 0x40) ||
    (code >= 0x5b && code <= 0x60) ||
    (code >= 0x7b && code <= 0x7e)
  );
}

// Each production must match the whole token; `\D[^]*` is "[ non-digit *OCTET ]", the tail a
// token may carry after its digits ("19:00:00GMT", "2038,").
/** time = hms-time [ non-digit *OCTET ]; hms-time = time-field ":" time-field ":" time-field */
const TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D[^]*)?$/;
/** day-of-month = 1*2DIGIT [ non-digit *OCTET ] */
const DAY_OF_MONTH = /^(\d{1,2})(?:\D[^]*)?$/;
/** month = ( "jan" / "feb" / ... / "dec" ) *OCTET, case-insensitively */
const MONTH = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/i;
/** year = 2*4DIGIT [ non-digit *OCTET ] */
const YEAR = /^(\d{2,4})(?:\D[^]*)?$/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The time a cookie-date denotes, in milliseconds since the Unix epoch (UTC), or `undefined` when
 * the text is not a cookie-date: a time, day, month or year is missing or out of range, the year
 * is before 1601, or the date does not exist (30 February). Two-digit years 70-99 mean 19xx and
 * 00-69 mean 20xx. Never throws.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.1.1
 */
export function parseCookieDate(text: string): number | undefined {
  let time: number[] | undefined;
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;

  for (const token of dateTokens(text)) {
    // The order of the checks is the algorithm's: "08:04:19" also matches day-of-month, and
    // must be taken as the time while no time has been found.
    let match: RegExpExecArray | null;
    if (time === undefined && (match = TIME.exec(token)) !== null) {
      time = [Number(match[1]), Number(match[2]), Number(match[3])];
    } else if (day === undefined && (match = DAY_OF_MONTH.exec(token)) !== null) {
      day = Number(match[1]);
    } else if (month === undefined && (match = MONTH.exec(token)) !== null) {
      month = MONTHS.indexOf((match[1] ?? '').toLowerCase());
    } else if (year === undefined && (match = YEAR.exec(token)) !== null) {
      year = Number(match[1]);
    }
  }
  if (time === undefined || day === undefined || month === undefined || year === undefined) {
    return undefined;
  }

  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;
  const [hour = 0, minute = 0, second = 0] = time;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }

  const ms = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 April over to 1 May; the algorithm says such a date does not exist.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}

function* dateTokens(text: string): Generator<string> {
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const inToken = index < text.length && !isDelimiter(text.charCodeAt(index));
    if (inToken && start === -1) start = index;
    if (!inToken && start !== -1) {
      yield text.slice(start, index);
      start = -1;
    }
  }
}
