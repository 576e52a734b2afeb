/**
 * A tiny reader over synthesized CloudFormation JSON (`Template.toJSON()`), so the security checks work
 * on what would be deployed, not on construct objects that an escape hatch could bypass.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string | readonly string[];
}

export interface TemplateJson {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Validates the shape once, so the checks can trust `Type` and `Properties`. */
export const templateJson = (json: unknown): TemplateJson => {
  if (!isRecord(json) || !isRecord(json.Resources)) throw new Error('not a CloudFormation template');
  for (const [id, r] of Object.entries(json.Resources))
    if (!isRecord(r) || typeof r.Type !== 'string') throw new Error(`resource ${id} has no Type`);
  return json as TemplateJson;
};

/** `[logicalId, resource]` of every resource of `type`. */
export const resourcesOf = (t: TemplateJson, type: string): [string, CfnResource][] =>
  Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === type);

export const propOf = (r: CfnResource | undefined, ...path: string[]): unknown => {
  let v: unknown = r?.Properties;
  for (const key of path) v = isRecord(v) ? v[key] : undefined;
  return v;
};

/**
 * Renders an intrinsic as text: `{Ref: X}` -> `${X}`, `{Fn::GetAtt: [X, Arn]}` -> `${X.Arn}`, joins
 * concatenated. Anything else (Fn::If, Fn::ImportValue) renders as `<unknown>`, which no check treats as a known resource.
 */
export const render = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (!isRecord(v)) return '<unknown>';
  if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
  const join = v['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]))
    return join[1].map(render).join(join[0]);
  if (typeof v['Fn::Sub'] === 'string') return v['Fn::Sub'];
  return '<unknown>';
};

/** Logical ids of this template's resources that a rendered value mentions (`${X}` or `${X.attr}`). */
export const mentionedIds = (t: TemplateJson, text: string): string[] =>
  [...text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)]
    .map((m) => m[1] ?? '')
    .filter((id) => t.Resources?.[id] !== undefined);

/** The resource a value points at when it is a plain `Ref`/`GetAtt` of one, else undefined. */
export const referencedId = (t: TemplateJson, v: unknown): string | undefined => {
  const ids = mentionedIds(t, render(v));
  return ids.length === 1 && /^\$\{[^}]+\}$/.test(render(v)) ? ids[0] : undefined;
};
