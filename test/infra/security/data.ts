import { propOf, resourcesOf, type TemplateJson } from './template';

/** Stateful resources whose loss loses events, effects or the ability to read what was retained. */
export const STATEFUL_TYPES: readonly string[] = [
  'AWS::Kinesis::Stream',
  'AWS::DynamoDB::Table',
  'AWS::KMS::Key',
];

/** Each stream keeps records exactly as long as its topic declares (`expected`: stream id -> hours). */
export const retentionFindings = (t: TemplateJson, expected: ReadonlyMap<string, number>): string[] => [
  ...resourcesOf(t, 'AWS::Kinesis::Stream').flatMap(([id, r]) => {
    const hours = propOf(r, 'RetentionPeriodHours');
    const want = expected.get(id);
    if (want === undefined) return [`stream ${id} belongs to no catalog topic`];
    return hours === want
      ? []
      : [`stream ${id} retains ${String(hours ?? 24)} h, its topic declares ${want} h`];
  }),
  ...[...expected.keys()]
    .filter((id) => t.Resources?.[id]?.Type !== 'AWS::Kinesis::Stream')
    .map((id) => `topic stream ${id} is missing`),
];

/**
 * Tables: point-in-time recovery and deletion protection on. Streams, tables and keys: RETAIN on both
 * stack deletion and replacement. (Kinesis has no deletion protection: RETAIN is all a stream gets.)
 */
export const statefulFindings = (t: TemplateJson): string[] => [
  ...resourcesOf(t, 'AWS::DynamoDB::Table').flatMap(([id, r]) => [
    ...(propOf(r, 'PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled') === true
      ? []
      : [`table ${id} has no point-in-time recovery`]),
    ...(propOf(r, 'DeletionProtectionEnabled') === true ? [] : [`table ${id} has no deletion protection`]),
  ]),
  ...STATEFUL_TYPES.flatMap((type) =>
    resourcesOf(t, type).flatMap(([id, r]) => [
      ...(r.DeletionPolicy === 'Retain'
        ? []
        : [`${type} ${id} has DeletionPolicy ${r.DeletionPolicy ?? 'Delete'}`]),
      ...(r.UpdateReplacePolicy === 'Retain'
        ? []
        : [`${type} ${id} has UpdateReplacePolicy ${r.UpdateReplacePolicy ?? 'Delete'}`]),
    ]),
  ),
];
