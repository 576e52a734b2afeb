/** One contradiction found in a catalog: where (a dotted path) and what is wrong. */
export interface CatalogProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown at synth or start when the catalog contradicts itself; lists every problem found. */
export class CatalogError extends Error {
  readonly code = 'CATALOG_INVALID';
  readonly problems: readonly CatalogProblem[];

  constructor(problems: readonly CatalogProblem[]) {
    super(
      `The catalog is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

export const isCatalogError = (error: unknown): error is CatalogError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CATALOG_INVALID';
