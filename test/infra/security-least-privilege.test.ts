import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import { type Catalog, subscriptions } from '../../shared/catalog';
import { contrastCatalog, projectCatalog } from '../fixtures/infra/catalogs';
import { securityCatalog } from '../fixtures/infra/security-catalog';
import { buildForChecks } from './security/checks';
import type { AccessModel } from './security/model';
import {
  accessFindings,
  streamWriterFindings,
  tableWriterFindings,
  wildcardFindings,
} from './security/policies';
import type { TemplateJson } from './security/template';
import { logicalId } from './synth';

describe.each([
  ['the project catalog', projectCatalog],
  ['a contrasting catalog', contrastCatalog],
  ['the security catalog', securityCatalog],
])('Least privilege on the template from %s', (_name, makeCatalog: () => Catalog) => {
  let catalog: Catalog;
  let t: TemplateJson;
  let model: AccessModel;
  let stack: SpineStack;
  beforeAll(() => {
    catalog = makeCatalog();
    ({ t, model, stack } = buildForChecks(catalog));
  });

  it('models every consumer, the ingress, every query function and every producer role', () => {
    const queries = catalog.services.filter((s) => s.queries).length;
    const expected = subscriptions(catalog).length + 1 + queries + catalog.producers.length;
    expect(model.principals.size).toBe(expected);
  });

  it('grants each Spine principal exactly its streams and tables, no more and no less', () => {
    for (const [id, { label, allowed }] of model.principals)
      expect(accessFindings(t, id, allowed), label).toEqual([]);
  });

  it('lets only the owners of a topic put to its stream, over every principal in the template', () => {
    expect(streamWriterFindings(t, model.streamOwners)).toEqual([]);
    expect(model.streamOwners.size).toBe(new Set(catalog.eventTypes.map((e) => e.topic)).size);
  });

  it('lets only a service’s consumers write its state tables', () => {
    expect(tableWriterFindings(t, model.stateTableOwners)).toEqual([]);
  });

  it('has no wildcard action, no wildcard resource beyond X-Ray, no foreign key-policy principal', () => {
    expect(wildcardFindings(t)).toEqual([]);
  });

  it('lets the ingress put only to topics with producer-written event types', () => {
    const producers = new Set(catalog.producers.map((p) => p.name));
    const written = new Set(catalog.eventTypes.filter((e) => producers.has(e.writer)).map((e) => e.topic));
    const ingress = model.principals.get(logicalId(stack, stack.ingress.handler.role));
    expect([...(ingress?.allowed.streamWrites ?? [])].sort()).toEqual(
      [...written].map((topic) => logicalId(stack, stack.topics.stream(topic))).sort(),
    );
  });
});
