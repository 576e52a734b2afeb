import {
  asArray,
  isRecord,
  mentionedIds,
  referencedId,
  render,
  resourcesOf,
  type TemplateJson,
} from './template';

/** One Allow statement as it applies to one principal. Deny statements only narrow, so they are left out. */
export interface Grant {
  /** Logical id of the role, user or group; rendered text for one the template does not define. */
  readonly principal: string;
  /** Logical id of the resource holding the statement, for messages. */
  readonly policy: string;
  readonly actions: readonly string[];
  /** `NotAction`: the statement allows every action except `actions`. */
  readonly notAction: boolean;
  /** Rendered resources (see `render`). */
  readonly resources: readonly string[];
  /** `NotResource`: the statement applies to every resource except `resources`. */
  readonly notResource: boolean;
  /** The statement's `Condition` block as written, if any. */
  readonly condition?: Readonly<Record<string, unknown>>;
}

const glob = (pattern: string): RegExp =>
  new RegExp(
    `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    'i',
  );

export const hasWildcard = (text: string): boolean => /[*?]/.test(text);

const principalOf = (t: TemplateJson, v: unknown): string => referencedId(t, v) ?? render(v);

const statementsOf = (document: unknown): Record<string, unknown>[] =>
  (isRecord(document) ? asArray(document.Statement) : []).filter(isRecord);

const toGrants = (principals: string[], policy: string, document: unknown): Grant[] =>
  statementsOf(document)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      principals.map((principal) => ({
        principal,
        policy,
        actions: asArray(s.Action ?? s.NotAction).map(String),
        notAction: s.NotAction !== undefined,
        resources: asArray(s.Resource ?? s.NotResource).map(render),
        notResource: s.NotResource !== undefined,
        ...(isRecord(s.Condition) && { condition: s.Condition }),
      })),
    );

/**
 * Every identity-policy Allow statement in the template, per principal: `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` (their Roles, Users, Groups), inline `Policies` of roles, and template-defined
 * managed policies attached through a role's `ManagedPolicyArns`.
 */
export const grantsOf = (t: TemplateJson): Grant[] => {
  const attached = (props: Readonly<Record<string, unknown>> | undefined) =>
    ['Roles', 'Users', 'Groups'].flatMap((k) => asArray(props?.[k]).map((v) => principalOf(t, v)));
  const fromPolicies = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].flatMap((type) =>
    resourcesOf(t, type).flatMap(([id, r]) =>
      toGrants(attached(r.Properties), id, r.Properties?.PolicyDocument),
    ),
  );
  const fromRoles = resourcesOf(t, 'AWS::IAM::Role').flatMap(([id, r]) => [
    ...asArray(r.Properties?.Policies)
      .filter(isRecord)
      .flatMap((p) => toGrants([id], id, p.PolicyDocument)),
    ...asArray(r.Properties?.ManagedPolicyArns).flatMap((arn) => {
      const managed = referencedId(t, arn);
      const resource = managed ? t.Resources?.[managed] : undefined;
      return managed && resource?.Type === 'AWS::IAM::ManagedPolicy'
        ? toGrants([id], managed, resource.Properties?.PolicyDocument)
        : [];
    }),
  ]);
  return [...fromPolicies, ...fromRoles];
};

/** Managed policies attached to roles that the template does not define (AWS managed, imported): unreadable here. */
export const opaqueManagedPolicies = (t: TemplateJson): string[] =>
  resourcesOf(t, 'AWS::IAM::Role').flatMap(([id, r]) =>
    asArray(r.Properties?.ManagedPolicyArns)
      .filter((arn) => t.Resources?.[referencedId(t, arn) ?? '']?.Type !== 'AWS::IAM::ManagedPolicy')
      .map((arn) => `${id}: ${render(arn)}`),
  );

export const allowsAction = (g: Grant, action: string): boolean =>
  g.actions.some((p) => glob(p).test(action)) !== g.notAction;

/**
 * Whether a rendered resource reaches the template resource `id` of AWS service `service`. A value that
 * mentions template resources reaches exactly those (`${Table.Arn}/index/*` is still that table). One
 * that mentions none reaches every resource of the services its ARN pattern matches when it has a
 * wildcard (`*`, `arn:*:kinesis:*:*:stream/*`), and none of ours when it is a literal ARN.
 */
export const reaches = (t: TemplateJson, resource: string, id: string, service: string): boolean => {
  const ids = mentionedIds(t, resource);
  if (ids.length > 0) return ids.includes(id);
  if (!hasWildcard(resource)) return false;
  if (resource === '*') return true;
  const serviceField = resource.replace(/\$\{[^}]*\}/g, '*').split(':')[2] ?? '*';
  return glob(serviceField).test(service);
};

export const grantReaches = (t: TemplateJson, g: Grant, id: string, service: string): boolean =>
  g.resources.some((r) => reaches(t, r, id, service)) !== g.notResource;

/** Services a role trusts (`lambda.amazonaws.com`), from its trust policy. */
export const trustedServices = (t: TemplateJson, roleId: string): string[] =>
  statementsOf(t.Resources?.[roleId]?.Properties?.AssumeRolePolicyDocument).flatMap((s) =>
    isRecord(s.Principal) ? asArray(s.Principal.Service).map(render) : [],
  );
