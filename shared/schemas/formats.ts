/**
 * The function-backed formats generated validators call, as ajv-formats 3 (`fullFormats`) defines
 * them, copied so a bundle does not carry ajv-formats' whole table (7.5 KB, CommonJS, so esbuild keeps
 * all of it) for one format. Regex formats (email...) need nothing here: Ajv inlines their pattern.
 * A catalog using a function format missing here gets ajv-formats' table, as before
 * (`scripts/standalone-validators.ts`). Held equal to ajv-formats by test/unit/schema-formats.test.ts.
 */
export interface StandaloneFormat {
  readonly validate: (value: string) => boolean;
  readonly compare: (a: string, b: string) => number | undefined;
}

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DATE = /^(\d\d\d\d)-(\d\d)-(\d\d)$/;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// RFC 3339 full-date.
const date = (str: string): boolean => {
  const matches = DATE.exec(str);
  if (!matches) return false;
  const year = Number(matches[1]);
  const month = Number(matches[2]);
  const day = Number(matches[3]);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= (month === 2 && isLeapYear(year) ? 29 : (DAYS[month] ?? 0))
  );
};

const TIME = /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)?$/i;

// RFC 3339 full-time with a required offset (ajv-formats' strict time zone), leap seconds at 23:59 UTC.
const time = (str: string): boolean => {
  const matches = TIME.exec(str);
  if (!matches) return false;
  const hr = Number(matches[1]);
  const min = Number(matches[2]);
  const sec = Number(matches[3]);
  const tz = matches[4];
  const tzSign = matches[5] === '-' ? -1 : 1;
  const tzH = Number(matches[6] || 0);
  const tzM = Number(matches[7] || 0);
  if (tzH > 23 || tzM > 59 || !tz) return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  const utcMin = min - tzM * tzSign;
  const utcHr = hr - tzH * tzSign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
};

const DATE_TIME_SEPARATOR = /t|\s/i;

const dateTime: StandaloneFormat = {
  validate: (str) => {
    const parts = str.split(DATE_TIME_SEPARATOR);
    return parts.length === 2 && date(parts[0] ?? '') && time(parts[1] ?? '');
  },
  compare: (dt1, dt2) => {
    if (!(dt1 && dt2)) return undefined;
    const d1 = new Date(dt1).valueOf();
    const d2 = new Date(dt2).valueOf();
    if (!(d1 && d2)) return undefined;
    return d1 - d2;
  },
};

/** Format name to definition, as generated validators look them up (`standaloneFormats["date-time"]`). */
export const standaloneFormats: Readonly<Record<string, StandaloneFormat>> = { 'date-time': dateTime };
