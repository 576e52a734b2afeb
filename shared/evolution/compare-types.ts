import type { SchemaChange } from './types';

/** Compares two subschemas (old → new) at their JSON Pointers; passed down so rule files need no cycle. */
export type Compare = (old: unknown, next: unknown, oldPath: string, newPath: string) => SchemaChange[];
