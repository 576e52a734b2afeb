import type { LatencyResult } from '../local/latency';

/** A small hand-written SVG: histogram of ack -> applied latencies, with p50/p95/p99 marked. */
export const latencySvg = (r: LatencyResult): string => {
  const W = 640;
  const H = 320;
  const pad = { left: 50, right: 20, top: 40, bottom: 45 };
  const max = Math.max(r.maxMs, 1);
  const bins = 40;
  const width = max / bins;
  const counts = Array.from({ length: bins }, () => 0);
  for (const s of r.samples) {
    const bin = Math.min(bins - 1, Math.floor(s / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const top = Math.max(...counts, 1);
  const x = (ms: number) => pad.left + (ms / max) * (W - pad.left - pad.right);
  const y = (n: number) => H - pad.bottom - (n / top) * (H - pad.top - pad.bottom);
  const bars = counts
    .map((n, i) => {
      const x0 = x(i * width);
      const x1 = x((i + 1) * width);
      return `<rect x="${x0.toFixed(1)}" y="${y(n).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(H - pad.bottom - y(n)).toFixed(1)}" fill="#4a7fb5"/>`;
    })
    .join('\n  ');
  const marks = (
    [
      ['p50', r.p50Ms, '#2a9d4b'],
      ['p95', r.p95Ms, '#e08a00'],
      ['p99', r.p99Ms, '#c0392b'],
    ] as const
  )
    .map(
      ([label, ms, color], i) =>
        `<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="${color}" stroke-dasharray="4 3"/>` +
        `<text x="${(x(ms) + 4).toFixed(1)}" y="${pad.top + 12 + i * 14}" fill="${color}">${label} ${ms.toFixed(0)} ms</text>`,
    )
    .join('\n  ');
  const ticks = Array.from({ length: 5 }, (_, i) => (max * i) / 4)
    .map(
      (ms) =>
        `<text x="${x(ms).toFixed(1)}" y="${H - pad.bottom + 16}" text-anchor="middle">${ms.toFixed(0)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
  <rect width="${W}" height="${H}" fill="white"/>
  <text x="${pad.left}" y="20" font-size="13">Ingress ack -> state applied, local mode (${r.applied} events, ${r.ratePerSecond}/s, batch ${r.batchSize}, window ${r.batchingWindowSeconds} s)</text>
  ${bars}
  <line x1="${pad.left}" x2="${W - pad.right}" y1="${H - pad.bottom}" y2="${H - pad.bottom}" stroke="#333"/>
  <line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="#333"/>
  ${ticks}
  <text x="${(W + pad.left) / 2}" y="${H - 8}" text-anchor="middle">latency (ms)</text>
  <text x="14" y="${(H + pad.top) / 2}" transform="rotate(-90 14 ${(H + pad.top) / 2})" text-anchor="middle">events</text>
  <text x="${pad.left - 6}" y="${pad.top + 4}" text-anchor="end">${top}</text>
  ${marks}
</svg>
`;
};
