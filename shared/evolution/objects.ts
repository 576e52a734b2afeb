import type { Compare } from './compare-types';
import type { SchemaChange } from './types';
import { isObject, pointer, type SchemaObject } from './values';

export const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties'];

const propertiesOf = (s: SchemaObject): SchemaObject => (isObject(s.properties) ? s.properties : {});
const requiredOf = (s: SchemaObject): string[] =>
  Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [];
const additionalOf = (s: SchemaObject): unknown => s.additionalProperties ?? true;

const summarize = (
  path: string,
  rule: 'property-added' | 'property-removed',
  changes: SchemaChange[],
  message: string,
): SchemaChange[] =>
  changes.length === 0
    ? []
    : [
        {
          path,
          rule,
          narrows: changes.some((c) => c.narrows),
          widens: changes.some((c) => c.widens),
          message,
        },
      ];

/**
 * `required`, `properties` and `additionalProperties`. A property declared on one side only is
 * compared with the other side's `additionalProperties`, which is what governs it there: removing an
 * optional property from a closed object narrows (old data may carry it), adding one widens.
 */
export const compareObjects = (
  compare: Compare,
  old: SchemaObject,
  next: SchemaObject,
  oldPath: string,
  newPath: string,
): SchemaChange[] => {
  const out: SchemaChange[] = [];
  const oldRequired = requiredOf(old);
  const newRequired = requiredOf(next);
  const at = pointer(newPath, 'required');
  for (const name of newRequired.filter((r) => !oldRequired.includes(r)))
    out.push({
      path: at,
      rule: 'required-added',
      narrows: true,
      widens: false,
      message: `property "${name}" became required`,
    });
  for (const name of oldRequired.filter((r) => !newRequired.includes(r)))
    out.push({
      path: at,
      rule: 'required-removed',
      narrows: false,
      widens: true,
      message: `property "${name}" is no longer required`,
    });

  const oldProps = propertiesOf(old);
  const newProps = propertiesOf(next);
  const oldAdditional = additionalOf(old);
  const newAdditional = additionalOf(next);
  const oldAdditionalPath = pointer(oldPath, 'additionalProperties');
  const newAdditionalPath = pointer(newPath, 'additionalProperties');
  for (const name of new Set([...Object.keys(oldProps), ...Object.keys(newProps)])) {
    const oldAt = pointer(oldPath, 'properties', name);
    const newAt = pointer(newPath, 'properties', name);
    if (name in oldProps && name in newProps)
      out.push(...compare(oldProps[name], newProps[name], oldAt, newAt));
    else if (name in oldProps)
      out.push(
        ...summarize(
          newAt,
          'property-removed',
          compare(oldProps[name], newAdditional, oldAt, newAdditionalPath),
          newAdditional === false
            ? `property "${name}" removed from a closed object (additionalProperties: false)`
            : `property "${name}" removed; additionalProperties now governs it`,
        ),
      );
    else
      out.push(
        ...summarize(
          newAt,
          'property-added',
          compare(oldAdditional, newProps[name], oldAdditionalPath, newAt),
          oldAdditional === false
            ? `property "${name}" added; the old schema closed the object (additionalProperties: false)`
            : `property "${name}" added; old data may carry it with other values (additionalProperties)`,
        ),
      );
  }

  if (newAdditional === false && oldAdditional !== false)
    out.push({
      path: newAdditionalPath,
      rule: 'additional-properties-closed',
      narrows: true,
      widens: false,
      message: 'additionalProperties closed (was open)',
    });
  else if (oldAdditional === false && newAdditional !== false)
    out.push({
      path: newAdditionalPath,
      rule: 'additional-properties-opened',
      narrows: false,
      widens: true,
      message: 'additionalProperties opened (was false)',
    });
  else out.push(...compare(oldAdditional, newAdditional, oldAdditionalPath, newAdditionalPath));
  return out;
};
