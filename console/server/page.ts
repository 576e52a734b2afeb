import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleError } from './errors';

/** The page's files, built in memory at start: one script, one stylesheet, one HTML shell. */
export interface PageAssets {
  readonly html: string;
  readonly script: Uint8Array;
  readonly style: Uint8Array;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const PAGE_DIR = join(HERE, '..', 'page');
/**
 * Where the package build (`scripts/build.ts`) puts the bundled page, next to the dist chunk that holds
 * this code: an installed Spine serves that and needs neither esbuild nor the page's sources.
 */
export const PREBUILT_PAGE_DIR = join(HERE, 'console-page');

const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spine console</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"><p>Loading the Spine console…</p></div>
<noscript>The Spine console needs JavaScript.</noscript>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

/**
 * Bundles the page (preact + uPlot: 81 KB minified, 35 KB gzipped) with esbuild when the console starts: about
 * 100 ms, and no build step or committed bundle to drift from the source. esbuild is imported only
 * here, so the rest of the CLI never loads it.
 */
export const PAGE_ENTRY = join(PAGE_DIR, 'main.ts');

export const buildPage = async (): Promise<PageAssets> => {
  if (existsSync(join(PREBUILT_PAGE_DIR, 'main.js')))
    return {
      html: shell,
      script: readFileSync(join(PREBUILT_PAGE_DIR, 'main.js')),
      style: readFileSync(join(PREBUILT_PAGE_DIR, 'main.css')),
    };
  const esbuild = await import('esbuild');
  const result = await esbuild
    .build({
      entryPoints: [PAGE_ENTRY],
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      outdir: 'out',
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    })
    .catch((error: unknown) => {
      throw new ConsoleError('PAGE_BUILD_FAILED', `cannot bundle the console page: ${String(error)}`, {
        cause: error,
      });
    });
  const file = (ext: string) => {
    const out = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!out) throw new ConsoleError('PAGE_BUILD_FAILED', `esbuild produced no ${ext} file`);
    return out.contents;
  };
  return { html: shell, script: file('.js'), style: file('.css') };
};
