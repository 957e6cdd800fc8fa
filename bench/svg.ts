/**
 * lineChart draws lines of (x, y) points as a standalone SVG document: axes with ticks and labels,
 * a legend, linear or logarithmic scales. Small on purpose: the bench needs one plot (latency
 * against rate), and a plotting dependency would outweigh it. A point whose y is not finite (a
 * rate at which probes were lost) is drawn as a cross on the top edge, so a missing measurement
 * reads as "off the chart", not as nothing.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Series {
  readonly name: string;
  readonly color: string;
  /** SVG stroke-dasharray, e.g. '6 4' for a dashed line. */
  readonly dash?: string;
  readonly points: readonly Point[];
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

/** Where the plot area sits inside the document (room for ticks, labels and the legend). */
export const margin = { left: 70, right: 190, top: 40, bottom: 55 } as const;

export interface Scale {
  readonly toPixel: (value: number) => number;
  readonly ticks: readonly number[];
}

/** A scale from [lo, hi] (widened to whole decades when logarithmic) onto [from, to] pixels. */
export function scale(values: readonly number[], log: boolean, from: number, to: number): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = finite.length ? Math.min(...finite) : 1;
  let hi = finite.length ? Math.max(...finite) : 10;
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (hi === lo) hi = lo * 10;
    const ticks: number[] = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    const at = (v: number) => from + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (to - from);
    return { toPixel: at, ticks };
  }
  lo = Math.min(0, lo);
  const step = niceStep((hi - lo) / 5);
  hi = Math.ceil(hi / step) * step || step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 1000; t += step) ticks.push(t);
  return { toPixel: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const decade = 10 ** Math.floor(Math.log10(raw));
  const m = raw / decade;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * decade;
}

/** Characters XML does not allow raw in text and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tickLabel(v: number): string {
  return v >= 1000 ? `${v / 1000}k`.replace('.0k', 'k') : String(Number(v.toPrecision(3)));
}

const px = (v: number) => v.toFixed(1);

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 440;
  const plot = { x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top };
  const all = spec.series.flatMap((s) => s.points);
  const xs = scale(
    all.map((p) => p.x),
    spec.xLog ?? false,
    plot.x0,
    plot.x1,
  );
  const ys = scale(
    all.map((p) => p.y),
    spec.yLog ?? false,
    plot.y0,
    plot.y1,
  );
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`);
  for (const t of xs.ticks) {
    const x = px(xs.toPixel(t));
    out.push(`<line x1="${x}" y1="${plot.y0}" x2="${x}" y2="${plot.y1}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x}" y="${plot.y0 + 16}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of ys.ticks) {
    const y = px(ys.toPixel(t));
    out.push(`<line x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${plot.x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push(`<rect x="${plot.x0}" y="${plot.y1}" width="${plot.x1 - plot.x0}" height="${plot.y0 - plot.y1}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(plot.x0 + plot.x1) / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text x="16" y="${(plot.y0 + plot.y1) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(plot.y0 + plot.y1) / 2})">${escapeXml(spec.yLabel)}</text>`);
  for (const s of spec.series) {
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const drawn = s.points.filter((p) => Number.isFinite(p.y) && (!spec.yLog || p.y > 0)).sort((a, b) => a.x - b.x);
    if (drawn.length > 1) out.push(`<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${drawn.map((p) => `${px(xs.toPixel(p.x))},${px(ys.toPixel(p.y))}`).join(' ')}"/>`);
    for (const p of drawn) out.push(`<circle class="point" data-name="${escapeXml(s.name)}" cx="${px(xs.toPixel(p.x))}" cy="${px(ys.toPixel(p.y))}" r="3.5" fill="${s.color}"/>`);
    for (const p of s.points.filter((q) => !Number.isFinite(q.y))) {
      const x = xs.toPixel(p.x);
      const y = plot.y1;
      out.push(`<path class="off-chart" data-name="${escapeXml(s.name)}" d="M${px(x - 5)},${px(y - 5)}L${px(x + 5)},${px(y + 5)}M${px(x - 5)},${px(y + 5)}L${px(x + 5)},${px(y - 5)}" stroke="${s.color}" stroke-width="2"/>`);
    }
  }
  const legendX = plot.x1 + 16;
  spec.series.forEach((s, i) => {
    const y = plot.y1 + 10 + i * 20;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${legendX}" y1="${y}" x2="${legendX + 24}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${legendX + 30}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  if (all.some((p) => !Number.isFinite(p.y))) {
    const y = plot.y1 + 10 + spec.series.length * 20 + 8;
    out.push(`<text x="${legendX}" y="${y}" dominant-baseline="middle">×: probes lost</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
