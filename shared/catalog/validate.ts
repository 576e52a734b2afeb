import type { ZodError } from 'zod';
import { cdcProblems } from './cdc-checks';
import { CatalogError, type CatalogProblem } from './errors';
import { giveUpProblems } from './give-up-checks';
import { catalogSchema } from './schema';
import type { Catalog, CatalogSpec, EventTypeSpec } from './types';

const named = (spec: unknown, path: readonly PropertyKey[]): string => {
  // Turn `services.1.subscriptions.0` into `services[orders].subscriptions[0]` so the message names the thing.
  let node: unknown = spec;
  let out = '';
  for (const key of path) {
    const child: unknown =
      node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const label =
        child && typeof child === 'object'
          ? ((child as { name?: unknown; type?: unknown }).name ?? (child as { type?: unknown }).type)
          : undefined;
      out += `[${typeof label === 'string' ? label : key}]`;
    } else {
      out += out ? `.${String(key)}` : String(key);
    }
    node = child;
  }
  return out || '(catalog)';
};

const shapeProblems = (spec: unknown, error: ZodError): CatalogProblem[] =>
  error.issues.map((issue) => ({ path: named(spec, issue.path), message: issue.message }));

const duplicates = (values: readonly string[]): string[] =>
  [...new Set(values.filter((v, i) => values.indexOf(v) !== i))].sort();

/**
 * Upcasters, when declared, must reach the latest version from every older one: handlers then only see
 * the latest, so a missing step would hand them data of a version they were not written for.
 */
const upcasterProblems = (e: EventTypeSpec): CatalogProblem[] => {
  const steps = e.upcasters;
  if (!steps) return [];
  const problems: CatalogProblem[] = [];
  const versions = Object.keys(e.versions).map(Number);
  const latest = Math.max(...versions);
  for (const from of Object.keys(steps).map(Number))
    if (!versions.includes(from) || from >= latest)
      problems.push({
        path: `eventTypes[${e.type}].upcasters[${from}]`,
        message: `converts from v${from}, which is not a version below the latest (v${latest})`,
      });
  const missing: number[] = [];
  for (let v = Math.min(...versions); v < latest; v++) if (typeof steps[v] !== 'function') missing.push(v);
  if (missing.length > 0)
    problems.push({
      path: `eventTypes[${e.type}].upcasters`,
      message: `no upcaster from ${missing.map((v) => `v${v}`).join(', ')}; with upcasters, handlers receive only v${latest}, so every older version needs one`,
    });
  return problems;
};

const referenceProblems = (spec: CatalogSpec): CatalogProblem[] => {
  const problems: CatalogProblem[] = [];
  const topics = new Set(spec.topics.map((t) => t.name));
  const services = new Set(spec.services.map((s) => s.name));
  const producers = new Set(spec.producers.map((p) => p.name));
  const captures = new Set((spec.cdcSources ?? []).map((c) => c.name));

  for (const name of duplicates(spec.topics.map((t) => t.name)))
    problems.push({ path: `topics[${name}]`, message: `duplicate topic name "${name}"` });
  for (const name of duplicates(spec.eventTypes.map((e) => e.type)))
    problems.push({ path: `eventTypes[${name}]`, message: `duplicate event type "${name}"` });
  for (const name of duplicates([
    ...spec.services.map((s) => s.name),
    ...spec.producers.map((p) => p.name),
    ...captures,
  ]))
    problems.push({
      path: `services/producers[${name}]`,
      message: `duplicate name "${name}": services, producers and CDC sources share one namespace of writers`,
    });

  const known = (set: Set<string>) => [...set].sort().join(', ') || '(none)';
  for (const e of spec.eventTypes) {
    if (!topics.has(e.topic))
      problems.push({
        path: `eventTypes[${e.type}].topic`,
        message: `unknown topic "${e.topic}"; known topics: ${known(topics)}`,
      });
    if (!services.has(e.writer) && !producers.has(e.writer) && !captures.has(e.writer))
      problems.push({
        path: `eventTypes[${e.type}].writer`,
        message: `unknown writer "${e.writer}"; writers are producers (${known(producers)}), services (${known(services)}) or CDC sources (${known(captures)})`,
      });
    if (Object.keys(e.versions).length === 0)
      problems.push({ path: `eventTypes[${e.type}].versions`, message: 'declare at least one version' });
    problems.push(...upcasterProblems(e));
    for (const [version, schema] of Object.entries(e.versions)) {
      const props = (schema as { properties?: Record<string, unknown> }).properties;
      const required = (schema as { required?: unknown }).required;
      if (!props || !(e.keyField in props) || !Array.isArray(required) || !required.includes(e.keyField))
        problems.push({
          path: `eventTypes[${e.type}].versions[${version}]`,
          message: `schema must declare the key field "${e.keyField}" as a required property`,
        });
    }
  }

  for (const s of spec.services) {
    for (const name of duplicates(s.subscriptions.map((sub) => sub.topic)))
      problems.push({
        path: `services[${s.name}].subscriptions`,
        message: `subscribes to topic "${name}" twice`,
      });
    for (const name of duplicates(s.tables.map((t) => t.name)))
      problems.push({ path: `services[${s.name}].tables`, message: `duplicate table name "${name}"` });
    s.subscriptions.forEach((sub, i) => {
      if (!topics.has(sub.topic))
        problems.push({
          path: `services[${s.name}].subscriptions[${i}].topic`,
          message: `consumes topic "${sub.topic}", which does not exist; known topics: ${known(topics)}`,
        });
      if (sub.materialize && !s.tables.some((t) => t.name === sub.materialize?.table))
        problems.push({
          path: `services[${s.name}].subscriptions[${i}].materialize.table`,
          message: `materializes into table "${sub.materialize.table}", which the service does not declare; its tables: ${s.tables.map((t) => t.name).join(', ') || '(none)'}`,
        });
    });
  }

  const routes = spec.services.flatMap((s) =>
    (s.queries?.routes ?? []).map((r) => ({
      service: s.name,
      key: `${r.method} ${r.path.replace(/\{[^}]+\}/g, '{}')}`,
    })),
  );
  for (const key of duplicates(routes.map((r) => r.key)))
    problems.push({
      path: 'services.queries.routes',
      message: `route "${key}" is declared by more than one service (${routes
        .filter((r) => r.key === key)
        .map((r) => r.service)
        .join(', ')})`,
    });

  problems.push(...cdcProblems(spec));
  problems.push(...giveUpProblems(spec));
  for (const t of spec.topics) {
    if (!spec.eventTypes.some((e) => e.topic === t.name))
      problems.push({ path: `topics[${t.name}]`, message: 'no event type is declared for this topic' });
  }
  return problems;
};

/**
 * Validates a catalog and returns it typed as `Catalog`. Throws `CatalogError` listing every problem,
 * so `cdk synth` and `npm start` fail before anything is created. The `const` type parameter keeps every
 * name (topics, producers, event types and versions, services, tables, subscriptions) as a literal type.
 *
 * @example
 * export const catalog = defineCatalog({ topics: [...], producers: [...], eventTypes: [...], services: [...] });
 */
export const defineCatalog = <const S extends CatalogSpec>(spec: S): Catalog<S> => {
  // A Lambda bundle skips the checks: SpineFunction's esbuild `define` (CATALOG_CHECKED_AT_SYNTH in
  // infra/constructs/spine-bundling.ts) makes this condition false at build time, so esbuild drops the
  // checks and the code only they use (~9 KB). `cdk synth` ran them on the very source it bundles, in
  // the CDK app, before bundling; schema drift is still refused at cold start by the validators' hash.
  if (process.env.SPINE_CATALOG_CHECKED !== 'at-synth') {
    const parsed = catalogSchema()?.safeParse(spec);
    if (parsed && !parsed.success) throw new CatalogError(shapeProblems(spec, parsed.error));
    const problems = referenceProblems(spec);
    if (problems.length > 0) throw new CatalogError(problems);
  }
  return Object.freeze({ ...spec, __validated: true as const });
};
