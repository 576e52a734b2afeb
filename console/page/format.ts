/** `1234` ms as `1.2 s`, minutes and hours beyond (the CLI's format). */
export const duration = (ms: number): string => {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
};

export const shortSeq = (seq: string | undefined): string =>
  seq === undefined ? '-' : seq.length > 16 ? `…${seq.slice(-12)}` : seq;

export const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** The value of the form control an input or change event came from. */
export const fieldValue = (e: Event): string => {
  const t = e.currentTarget;
  return t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement
    ? t.value
    : '';
};
