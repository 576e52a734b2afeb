import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeMappings, lookup } from './mappings';

interface Loaded {
  readonly file: string;
  readonly sources: readonly string[];
  readonly lines: ReturnType<typeof decodeMappings>;
}

// `../../shared/x.ts` from cdk.out's asset directory: keep the project-relative part.
const tidy = (source: string): string => source.replace(/^(\.\.\/)+/, '').replace(/^webpack:\/\//, '');

let loaded: Loaded | null | undefined;

// Read and decode the map on the first stack that asks for it, never at init: `--enable-source-maps`
// reads and parses the whole map (1.3 MB for a consumer) while the module loads, on every cold start.
const load = (bundle: string): Loaded | null => {
  if (loaded !== undefined) return loaded;
  try {
    const map: { sources?: string[]; mappings?: string } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8'));
    loaded = { file: bundle, sources: map.sources ?? [], lines: decodeMappings(map.mappings ?? '') };
  } catch {
    loaded = null;
  }
  return loaded;
};

const mapFrame = (frame: NodeJS.CallSite, bundle: string, bundleUrl: string): string => {
  const text = frame.toString();
  const name = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if ((name !== bundle && name !== bundleUrl) || line === null || column === null) return text;
  const map = load(bundle);
  const seg = map && lookup(map.lines, line, column);
  const source = seg && map.sources[seg[1]];
  if (!seg || !source) return text;
  return text.replace(`${name}:${line}:${column}`, `${tidy(source)}:${seg[2] + 1}:${seg[3] + 1}`);
};

/**
 * Makes stack traces of the bundle at `bundleUrl` point at the TypeScript sources: frames in the bundle
 * are looked up in `<bundle>.map` when a stack is formatted (an error logged), so init pays nothing.
 * Installed by the generated entry of each Spine function; a no-op outside a bundle.
 */
export const installLazySourceMaps = (bundleUrl: string): void => {
  if (!bundleUrl.endsWith('.mjs') && !bundleUrl.endsWith('.js')) return;
  const bundle = fileURLToPath(bundleUrl);
  Error.prepareStackTrace = (error, frames) => {
    const head = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return [head, ...frames.map((f) => `    at ${mapFrame(f, bundle, bundleUrl)}`)].join('\n');
  };
};
