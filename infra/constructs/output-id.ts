/**
 * `order-lines` -> `OrderLines`: CloudFormation output ids are alphanumeric. The one rule behind every
 * output name the stack writes and the `spine` CLI reads back, so the two cannot drift apart.
 */
export const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
