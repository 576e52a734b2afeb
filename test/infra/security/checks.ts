import { Template } from 'aws-cdk-lib/assertions';
import type { SpineStack } from '../../../infra/spine-stack';
import type { Catalog } from '../../../shared/catalog';
import { buildStack } from '../synth';
import { leadingKeyFindings } from './leading-keys';
import { type AccessModel, accessModel } from './model';
import { accessFindings, streamWriterFindings, tableWriterFindings, wildcardFindings } from './policies';
import { type TemplateJson, templateJson } from './template';

/** Synthesizes a SpineStack (after `mutate`, e.g. a widened grant) and derives its access model. */
export const buildForChecks = (catalog: Catalog, mutate?: (stack: SpineStack) => void) => {
  const stack = buildStack(catalog);
  mutate?.(stack);
  const t = templateJson(Template.fromStack(stack).toJSON());
  return { stack, t, model: accessModel(catalog, stack) };
};

/** Findings of every least-privilege check at once, so a widening test shows which checks caught it. */
export const leastPrivilegeFindings = (t: TemplateJson, model: AccessModel): string[] => [
  ...[...model.principals].flatMap(([id, p]) => accessFindings(t, id, p.allowed)),
  ...streamWriterFindings(t, model.streamOwners),
  ...tableWriterFindings(t, model.stateTableOwners),
  ...wildcardFindings(t),
  ...leadingKeyFindings(t, model.leadingKeys),
];
