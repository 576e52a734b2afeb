import { type ExtensionValue, isExtensionName, RESERVED_ATTRIBUTES } from '../envelope';
import {
  MAX_IDENTITY_CHARS,
  optionalString,
  optionalTime,
  PLAIN_FIELDS,
  type Report,
  STRING_RULE,
} from './attributes';
import { isCloudEventsString, isInteger32, isJsonMediaType, isUriReference } from './ce-values';
import type { Mode } from './modes';

/** The context attributes of one event as sent, each checked for shape (not yet against the catalog). */
export interface EventAttributes {
  readonly type: string | undefined;
  /** Plain mode defaults it to `/producers/<producer>`. */
  readonly source: string | undefined;
  readonly id: string | undefined;
  readonly time: string | undefined;
  readonly correlationid: string | undefined;
  readonly causationid: string | undefined;
  /** CloudEvents modes only (plain mode has no such field). */
  readonly subject: string | undefined;
  /** The JSON media type the producer declared, if any. */
  readonly datacontenttype: string | undefined;
  /** The producer's extension attributes, valid ones only; empty in plain mode. */
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  readonly hasData: boolean;
}

/** CloudEvents attribute names: lower-case ASCII letters and digits only (spec 1.0, "Naming Conventions"). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const VALUE_RULE = 'a string, a boolean or an integer from -2147483648 to 2147483647';

const pointer = (name: string): string => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

const extensionValue = (name: string, value: unknown, note: Report): ExtensionValue | undefined => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && isInteger32(value)) return value;
  if (typeof value === 'string' && isCloudEventsString(value)) return value;
  if (typeof value === 'string')
    note(pointer(name), `extension ${name} has a character a CloudEvents String may not hold`, STRING_RULE);
  else note(pointer(name), `extension ${name} must be ${VALUE_RULE}`, VALUE_RULE);
  return undefined;
};

/**
 * The producer's extensions, kept for the stored envelope. A name outside the spec's alphabet
 * (`__proto__`, `foo-bar`) or a value outside its type system (objects, arrays, fractions, integers
 * past 32 bits) makes the event malformed; a name Spine reserves for its own writers is refused.
 */
const readExtensions = (
  f: Readonly<Record<string, unknown>>,
  note: Report,
): Record<string, ExtensionValue> => {
  const entries: [string, ExtensionValue][] = [];
  for (const [name, value] of Object.entries(f)) {
    if (RESERVED_ATTRIBUTES.has(name))
      note(pointer(name), `${name} is reserved: only Spine's writers set it`, 'no such attribute');
    if (!isExtensionName(name)) continue;
    if (!ATTRIBUTE_NAME.test(name)) {
      note(pointer(name), 'extension attribute names are lower-case letters and digits', '[a-z0-9]+');
      continue;
    }
    const kept = extensionValue(name, value, note);
    if (kept !== undefined) entries.push([name, kept]);
  }
  // Built from entries, not by assignment: an extension named `constructor` stays an own member.
  return Object.fromEntries(entries);
};

/** CloudEvents modes only: Spine stores JSON data in a 1.0 envelope, so the rest is refused up front. */
const checkCloudEvent = (f: Readonly<Record<string, unknown>>, note: Report): string | undefined => {
  if (f.specversion !== '1.0') note('/specversion', 'specversion must be "1.0"', '"1.0"');
  if ('data_base64' in f) note('/data_base64', 'only JSON data is accepted', 'data as JSON');
  const dct = f.datacontenttype;
  if (dct === undefined) return undefined;
  if (typeof dct === 'string' && isJsonMediaType(dct) && isCloudEventsString(dct)) return dct;
  note('/datacontenttype', 'only JSON data is accepted', 'a JSON media type, e.g. application/json');
  return undefined;
};

const readSource = (f: Readonly<Record<string, unknown>>, plain: boolean, producer: string, note: Report) => {
  const source = optionalString(f, 'source', note, MAX_IDENTITY_CHARS);
  if (source !== undefined && !isUriReference(source)) {
    note(
      '/source',
      'source must be a URI-reference (RFC 3986)',
      'a URI-reference, e.g. /shop or https://shop.example',
    );
    return undefined;
  }
  if (source === undefined && f.source === undefined) {
    if (plain) return `/producers/${producer}`;
    note('/source', 'source is required', 'a URI-reference');
  }
  return source;
};

/**
 * Reads and shape-checks the attributes every mode shares, reporting each problem at its JSON path.
 * Plain mode refuses unknown fields (they are typos there) and may leave out `id`; CloudEvents modes
 * require `id` and keep extensions.
 */
export const readAttributes = (
  f: Readonly<Record<string, unknown>>,
  mode: Mode,
  producer: string,
  note: Report,
): EventAttributes => {
  const plain = mode === 'plain';
  let datacontenttype: string | undefined;
  if (plain) {
    for (const name of Object.keys(f))
      if (!PLAIN_FIELDS.has(name)) note(`/${name}`, `unknown field ${name}`, [...PLAIN_FIELDS].join(', '));
  } else datacontenttype = checkCloudEvent(f, note);
  const type = optionalString(f, 'type', note);
  if (type === undefined && f.type === undefined)
    note('/type', 'type is required', 'an event type of the topic');
  const source = readSource(f, plain, producer, note);
  const id = optionalString(f, 'id', note, MAX_IDENTITY_CHARS);
  if (!plain && id === undefined && f.id === undefined) note('/id', 'id is required', 'a non-empty string');
  const time = optionalTime(f, note);
  const correlationid = optionalString(f, 'correlationid', note);
  const causationid = optionalString(f, 'causationid', note);
  const subject = plain ? undefined : optionalString(f, 'subject', note);
  const extensions = plain ? {} : readExtensions(f, note);
  const hasData = 'data' in f;
  if (!hasData) note('/data', 'data is required', 'a JSON value');
  return {
    type,
    source,
    id,
    time,
    correlationid,
    causationid,
    subject,
    datacontenttype,
    extensions,
    hasData,
  };
};
