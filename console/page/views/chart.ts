import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { LagHistoryView } from '../../api-types';

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7b83', '#57606a'];

/** Total lag over the kept samples as a small inline SVG line: cheap enough for one per row. */
export const Sparkline = ({ values, label }: { values: readonly number[]; label: string }) => {
  const width = 120;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  );
  return h(
    'svg',
    { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
    h('title', null, label),
    values.length > 0 &&
      h('polyline', { points: points.join(' '), fill: 'none', stroke: '#1f6feb', 'stroke-width': 1.5 }),
  );
};

/**
 * Lag per shard over time (uPlot, ~45 KB, canvas): one series per shard, gaps where a shard did not
 * exist. The latest total is also in `data-latest` for tests and in the text next to the chart.
 */
export const LagChart = ({ history, label }: { history: LagHistoryView; label: string }) => {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  const shards = Object.keys(history.shards);
  const key = shards.join(',');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current = new uPlot(
      {
        width: Math.max(320, el.clientWidth || 640),
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
        axes: [{}, { label: 'events behind' }],
        series: [
          {},
          ...shards.map((s, i) => ({
            label: s,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: false,
          })),
        ],
      },
      [[], ...shards.map(() => [])],
      el,
    );
    return () => plot.current?.destroy();
  }, [key]);
  useEffect(() => {
    plot.current?.setData([
      history.at.map((t) => t / 1000),
      ...shards.map((s) => [...(history.shards[s] ?? [])]),
    ]);
  });
  const latest = shards.reduce((sum, s) => sum + (history.shards[s]?.at(-1) ?? 0), 0);
  return h('figure', { class: 'chart' }, [
    h('div', {
      ref: box,
      role: 'img',
      'aria-label': label,
      'data-latest': latest,
      'data-samples': history.at.length,
    }),
    h('figcaption', null, label),
  ]);
};
