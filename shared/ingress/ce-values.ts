/**
 * The value rules of the CloudEvents 1.0 type system ("Type System" in the core spec) that Spine checks
 * before an attribute enters the log, where every consumer and `spine tail` would meet it.
 */

/** Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+1FFFF, ...). */
const isNoncharacter = (cp: number): boolean => (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A CloudEvents `String`: no control characters (U+0000..U+001F, U+007F..U+009F), no noncharacters and
 * no unpaired surrogates. Iterating by code point yields a lone surrogate as its own unit.
 */
export const isCloudEventsString = (value: string): boolean => {
  // Printable ASCII, the usual case (types, sources, keys), holds none of them: one native test
  // instead of a code point iteration per attribute.
  if (PRINTABLE_ASCII.test(value)) return true;
  for (const char of value) {
    const cp = char.codePointAt(0) ?? 0;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || isNoncharacter(cp) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
  }
  return true;
};

/** RFC 3986 characters: unreserved, gen-delims, sub-delims, and `%` only as the start of `%HH`. */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * An RFC 3986 URI-reference (section 4.1): a URI, or a relative reference whose first segment has no
 * colon. Checks the character set, the scheme and the single fragment; it does not parse authorities.
 */
export const isUriReference = (value: string): boolean => {
  if (!URI_CHARACTERS.test(value)) return false;
  const hash = value.indexOf('#');
  if (hash >= 0 && value.indexOf('#', hash + 1) >= 0) return false;
  const colon = value.search(/[:/?#]/);
  return colon < 0 || value[colon] !== ':' || SCHEME.test(value.slice(0, colon));
};

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * An RFC 3339 `date-time` (section 5.6), field ranges included: a day the month has, hours 00-23,
 * seconds up to 60 (a leap second), offsets up to 23:59. `Date.parse` alone would roll Feb 30 into
 * March and refuse the leap second.
 */
export const isRfc3339 = (value: string): boolean => {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [offsetHour, offsetMinute] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (year === undefined || month === undefined || day === undefined) return false;
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    (hour ?? 99) <= 23 &&
    (minute ?? 99) <= 59 &&
    (second ?? 99) <= 60 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
};

/** A CloudEvents `Integer`: a whole number in the signed 32-bit range. */
export const isInteger32 = (value: number): boolean =>
  Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647;

const MEDIA_TYPE = /^([A-Za-z0-9!#$&^_.+-]+)\/([A-Za-z0-9!#$&^_.+-]+)\s*(;.*)?$/;

/**
 * A media type (RFC 2046 `type/subtype`, parameters allowed) that declares JSON: subtype `json` or a
 * `+json` suffix, as the JSON event format defines it (section 3.1.1).
 */
export const isJsonMediaType = (value: string): boolean => {
  const subtype = MEDIA_TYPE.exec(value.trim())?.[2]?.toLowerCase();
  return subtype !== undefined && (subtype === 'json' || subtype.endsWith('+json'));
};
