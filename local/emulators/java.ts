import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { JavaUnavailableError } from '../errors';

const run = promisify(execFile);

/** DynamoDB Local 3.x is built for Java 17. */
const MIN_JAVA = 17;

/** Major version from `java -version` output: `"17.0.15"` -> 17, `"1.8.0_392"` -> 8. */
export const javaMajor = (versionOutput: string): number | undefined => {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
};

/** Fails with a typed error naming what is missing before anything is started. */
export const checkJava = async (command = 'java'): Promise<void> => {
  let output: string;
  try {
    const { stdout, stderr } = await run(command, ['-version'], { timeout: 15_000 });
    output = `${stderr}${stdout}`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new JavaUnavailableError(`\`${command}\` was not found on PATH`, error);
    throw new JavaUnavailableError(`\`${command} -version\` failed (${String(error)})`, error);
  }
  const major = javaMajor(output);
  if (major === undefined)
    throw new JavaUnavailableError(`cannot read the version from \`${command} -version\``);
  if (major < MIN_JAVA) throw new JavaUnavailableError(`found Java ${major}`);
};
