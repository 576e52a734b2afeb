#!/usr/bin/env node
// `spine`. In a checkout of the Spine repo (cli/main.ts is here) the CLI runs from its TypeScript
// source through tsx. In the installed package (npm pack ships dist/ and this file, no sources) it runs
// the compiled dist/cli.js and needs no tsx of its own; tsx is registered only if the project has it,
// to import the project's own TypeScript (catalog.ts, service and ingress entries). A project with
// compiled JavaScript entries needs no tsx at all (--catalog catalog.js).
// `spine start` is local mode (local/main.ts), a long-running process with its own signal handling.
import { existsSync } from 'node:fs';

const start = process.argv[2] === 'start';
if (start) process.argv.splice(2, 1);
const checkout = existsSync(new URL('./main.ts', import.meta.url));
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(start ? '../local/main.ts' : './main.ts');
} else {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    // No tsx in this project: only JavaScript catalogs and entries can be loaded.
  }
  await import(start ? '../dist/local-main.js' : '../dist/cli.js');
}
