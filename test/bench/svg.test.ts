/**
 * The bench's own SVG writer: a well-formed XML document, points where the data puts them on
 * both linear and logarithmic scales, a legend entry per series, and lost measurements drawn on
 * the top edge rather than dropped.
 */
import { escapeXml, lineChart, margin, scale } from '../../bench/svg.js';

/** Checks well-formedness as an XML parser would: one root, every tag closed in order, quoted attributes, no raw `<` or stray `&` in text. */
function wellFormedProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text)) problems.push(`stray & in text: ${text.slice(0, 40)}`);
    if (text.trim() && stack.length === 0) problems.push(`text outside the root: ${text.slice(0, 40)}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) {
      problems.push(`malformed tag at ${lt}: ${xml.slice(lt, lt + 60)}`);
      break;
    }
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      if (stack.pop() !== name) problems.push(`</${name}> closes something else`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
    i = tag.lastIndex;
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

function circles(svg: string, name: string): { cx: number; cy: number }[] {
  return [...svg.matchAll(new RegExp(`<circle class="point" data-name="${name}" cx="([\\d.]+)" cy="([\\d.]+)"`, 'g'))].map((m) => ({ cx: Number(m[1]), cy: Number(m[2]) }));
}

const width = 760;
const height = 440;
const plot = { x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top };

test('writesAWellFormedDocumentWithAxisLabelsAndALegend', () => {
  const svg = lineChart({
    title: 'latency <against> rate & more',
    xLabel: 'changes/s',
    yLabel: 'ms',
    xLog: true,
    yLog: true,
    series: [
      { name: 'kubelive p50', color: '#1f6feb', points: [{ x: 1000, y: 20 }, { x: 10_000, y: 200 }] },
      { name: 'client "node" p99', color: '#d1242f', dash: '6 4', points: [{ x: 1000, y: 5 }, { x: 10_000, y: Number.POSITIVE_INFINITY }] },
    ],
  });
  expect(wellFormedProblems(svg)).toEqual([]);
  expect(svg).toContain('latency &lt;against&gt; rate &amp; more');
  expect(svg).toContain('>changes/s</text>');
  expect(svg).toContain('>ms</text>');
  expect(svg).toContain('>kubelive p50</text>');
  expect(svg).toContain('>client &quot;node&quot; p99</text>');
  expect(svg).toContain('stroke-dasharray="6 4"');
});

test('placesPointsWhereTheDataSaysOnLogScales', () => {
  const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true, series: [{ name: 'a', color: 'blue', points: [{ x: 100, y: 1 }, { x: 1000, y: 10 }, { x: 10_000, y: 100 }] }] });
  // x spans the decades 100..10,000 and y 1..100: each point a decade further sits half the plot further.
  const [p1, p2, p3] = circles(svg, 'a');
  expect(p1!.cx).toBeCloseTo(plot.x0, 0);
  expect(p2!.cx).toBeCloseTo((plot.x0 + plot.x1) / 2, 0);
  expect(p3!.cx).toBeCloseTo(plot.x1, 0);
  expect(p1!.cy).toBeCloseTo(plot.y0, 0);
  expect(p2!.cy).toBeCloseTo((plot.y0 + plot.y1) / 2, 0);
  expect(p3!.cy).toBeCloseTo(plot.y1, 0);
  expect(svg).toMatch(new RegExp(`<polyline class="series" data-name="a"[^>]*points="${p1!.cx.toFixed(1)},${p1!.cy.toFixed(1)} ${p2!.cx.toFixed(1)},${p2!.cy.toFixed(1)} ${p3!.cx.toFixed(1)},${p3!.cy.toFixed(1)}"`));
});

test('placesPointsWhereTheDataSaysOnLinearScales', () => {
  const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', color: 'blue', points: [{ x: 0, y: 0 }, { x: 50, y: 25 }, { x: 100, y: 50 }] }] });
  const points = circles(svg, 'a');
  const xs = scale([0, 50, 100], false, plot.x0, plot.x1);
  const ys = scale([0, 25, 50], false, plot.y0, plot.y1);
  expect(points.map((p) => p.cx)).toEqual([0, 50, 100].map((v) => Number(xs.toPixel(v).toFixed(1))));
  expect(points.map((p) => p.cy)).toEqual([0, 25, 50].map((v) => Number(ys.toPixel(v).toFixed(1))));
  // Larger values are higher up the page.
  expect(points[2]!.cy).toBeLessThan(points[0]!.cy);
});

test('drawsALostMeasurementOnTheTopEdgeInsteadOfDroppingIt', () => {
  const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true, series: [{ name: 'a', color: 'red', points: [{ x: 1000, y: 10 }, { x: 5000, y: Number.POSITIVE_INFINITY }] }] });
  expect(circles(svg, 'a')).toHaveLength(1);
  expect(svg.match(/class="off-chart"/g)).toHaveLength(1);
  expect(svg).toContain('probes lost');
  expect(wellFormedProblems(svg)).toEqual([]);
});

test('logScaleWidensToWholeDecadesAndTicksEachOne', () => {
  expect(scale([2300, 18_000], true, 0, 100).ticks).toEqual([1000, 10_000, 100_000]);
  expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
});
