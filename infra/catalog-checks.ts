import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Catalog, CatalogError, type CatalogProblem, defineCatalog } from '../shared/catalog';
import { catalogOutputNames } from './output-names';

/** Kinesis's limit on registered (enhanced fan-out) consumers per stream. */
export const MAX_FAN_OUT_CONSUMERS = 20;

/**
 * Checks a catalog again before anything is built from it, and adds what only deployment cares about:
 * entry modules that exist, and names that stay distinct once turned into output ids. A `Catalog`
 * can be forged with a cast, so this does not trust the type. Throws `CatalogError` listing every problem.
 */
export const assertDeployable = (catalog: Catalog, projectRoot: string): void => {
  const { __validated: _validated, ...spec } = catalog;
  defineCatalog(spec);

  const problems: CatalogProblem[] = [];
  for (const service of catalog.services) {
    if (service.subscriptions.length > 0 && !existsSync(join(projectRoot, service.entry)))
      problems.push({
        path: `services[${service.name}].entry`,
        message: `module "${service.entry}" does not exist under ${projectRoot}`,
      });
  }
  for (const topic of catalog.topics) {
    const fanOut = catalog.services.filter((s) =>
      s.subscriptions.some((sub) => sub.topic === topic.name && sub.enhancedFanOut),
    );
    if (fanOut.length > MAX_FAN_OUT_CONSUMERS)
      problems.push({
        path: `topics[${topic.name}]`,
        message: `${fanOut.length} enhanced fan-out subscriptions; a stream registers at most ${MAX_FAN_OUT_CONSUMERS} consumers`,
      });
  }
  const seen = new Map<string, string>();
  for (const { path, name } of catalogOutputNames(catalog)) {
    const first = seen.get(name);
    if (first) problems.push({ path, message: `its stack output name "${name}" collides with ${first}'s` });
    else seen.set(name, path);
  }
  if (problems.length > 0) throw new CatalogError(problems);
};
