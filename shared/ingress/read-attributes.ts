import { MAX_IDENTITY_CHARS, optionalString, optionalTime, PLAIN_FIELDS, type Report } from './attributes';
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
  readonly hasData: boolean;
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json(;|$)/i;
/** CloudEvents attribute names: lower-case ASCII letters and digits only (spec 1.0, "Attribute Naming"). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** Context attributes Spine reads or the spec defines; anything else is an extension. */
const KNOWN_ATTRIBUTES = new Set([
  ...PLAIN_FIELDS,
  'specversion',
  'datacontenttype',
  'dataschema',
  'dataversion',
  'partitionkey',
  'subject',
  'time',
  'data_base64',
]);

const pointer = (name: string): string => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Extensions are not stored, but a malformed one means a malformed event: a name outside the spec's
 * alphabet (`__proto__`, `foo-bar`) or a value outside its type system (objects, arrays) is refused.
 */
const checkExtensions = (f: Readonly<Record<string, unknown>>, note: Report): void => {
  for (const name of Object.keys(f)) {
    if (KNOWN_ATTRIBUTES.has(name)) continue;
    const value = f[name];
    if (!ATTRIBUTE_NAME.test(name))
      note(pointer(name), 'extension attribute names are lower-case letters and digits', '[a-z0-9]+');
    else if (value !== null && typeof value === 'object')
      note(
        pointer(name),
        `extension ${name} must be a string, number or boolean`,
        'string, number or boolean',
      );
  }
};

/** CloudEvents modes only: Spine stores JSON data in a 1.0 envelope, so the rest is refused up front. */
const checkCloudEvent = (f: Readonly<Record<string, unknown>>, note: Report): void => {
  if (f.specversion !== '1.0') note('/specversion', 'specversion must be "1.0"', '"1.0"');
  if ('data_base64' in f) note('/data_base64', 'only JSON data is accepted', 'data as JSON');
  const dct = f.datacontenttype;
  if (dct !== undefined && (typeof dct !== 'string' || !JSON_MEDIA.test(dct)))
    note('/datacontenttype', 'only JSON data is accepted', 'application/json');
  checkExtensions(f, note);
};

/**
 * Reads and shape-checks the attributes every mode shares, reporting each problem at its JSON path.
 * Plain mode refuses unknown fields (they are typos there); CloudEvents modes allow extensions.
 */
export const readAttributes = (
  f: Readonly<Record<string, unknown>>,
  mode: Mode,
  producer: string,
  note: Report,
): EventAttributes => {
  const plain = mode === 'plain';
  if (plain) {
    for (const name of Object.keys(f))
      if (!PLAIN_FIELDS.has(name)) note(`/${name}`, `unknown field ${name}`, [...PLAIN_FIELDS].join(', '));
  } else checkCloudEvent(f, note);
  const type = optionalString(f, 'type', note);
  if (type === undefined && f.type === undefined)
    note('/type', 'type is required', 'an event type of the topic');
  const source =
    optionalString(f, 'source', note, MAX_IDENTITY_CHARS) ?? (plain ? `/producers/${producer}` : undefined);
  if (source === undefined && f.source === undefined)
    note('/source', 'source is required', 'a URI-reference');
  const id = optionalString(f, 'id', note, MAX_IDENTITY_CHARS);
  const time = optionalTime(f, note);
  const correlationid = optionalString(f, 'correlationid', note);
  const causationid = optionalString(f, 'causationid', note);
  const hasData = 'data' in f;
  if (!hasData) note('/data', 'data is required', 'a JSON value');
  return { type, source, id, time, correlationid, causationid, hasData };
};
