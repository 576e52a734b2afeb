import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of this process over a window chosen in code (what `node --cpu-prof` writes for the
 * whole process), so run 2b can profile the runtime over its ingress rounds only. Sampling costs CPU:
 * a profiled run gives shares, the CPU per event comes from unprofiled runs.
 */
export const startProfile = async (): Promise<{ stop(file: string): Promise<void> }> => {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
    },
  };
};
