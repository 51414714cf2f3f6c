/**
 * Small SVG line plots (the IG convergence plot, the deletion/insertion curves): a few dozen
 * points, so hand-made SVG is smaller than any charting library and needs no runtime dependency.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  colour: string;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log-scale x (steps double from point to point). */
  logX?: boolean;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** A line plot with axes, ticks at the ends, and a legend; `role="img"` with the title as its name. */
export function linePlot(series: readonly Series[], o: PlotOptions): SVGSVGElement {
  const W = 320;
  const H = 200;
  const m = { l: 52, r: 10, t: 22, b: 36 };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.title, class: 'plot' });
  svg.append(el('title', {}, o.title));
  const tx = (x: number): number => (o.logX ? Math.log2(Math.max(x, 1e-12)) : x);
  const all = series.flatMap((s) => s.xs.map((x, i) => [tx(x), s.ys[i]!] as const)).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return svg;
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  svg.append(el('text', { x: W / 2, y: 14, 'text-anchor': 'middle', class: 'plot-title' }, o.title));
  svg.append(el('line', { x1: m.l, y1: H - m.b, x2: W - m.r, y2: H - m.b, class: 'axis' }));
  svg.append(el('line', { x1: m.l, y1: m.t, x2: m.l, y2: H - m.b, class: 'axis' }));
  const xt = (v: number): string => fmt(o.logX ? 2 ** v : v);
  svg.append(el('text', { x: m.l, y: H - m.b + 14, 'text-anchor': 'middle' }, xt(x0)));
  svg.append(el('text', { x: W - m.r, y: H - m.b + 14, 'text-anchor': 'end' }, xt(x1)));
  svg.append(el('text', { x: (W + m.l) / 2, y: H - 4, 'text-anchor': 'middle' }, o.xLabel));
  svg.append(el('text', { x: m.l - 4, y: py(y1) + 4, 'text-anchor': 'end' }, fmt(y1)));
  svg.append(el('text', { x: m.l - 4, y: py(y0), 'text-anchor': 'end' }, fmt(y0)));
  svg.append(el('text', { x: 12, y: (H - m.b + m.t) / 2, transform: `rotate(-90 12 ${(H - m.b + m.t) / 2})`, 'text-anchor': 'middle' }, o.yLabel));
  series.forEach((s, k) => {
    const pts = s.xs.map((x, i) => `${px(tx(x)).toFixed(1)},${py(s.ys[i]!).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points: pts, fill: 'none', stroke: s.colour, 'stroke-width': 2 }));
    for (const p of pts.split(' ')) {
      const [cx, cy] = p.split(',');
      svg.append(el('circle', { cx: cx!, cy: cy!, r: 2.5, fill: s.colour }));
    }
    svg.append(el('text', { x: W - m.r - 4, y: m.t + 12 + 13 * k, 'text-anchor': 'end', fill: s.colour }, s.name));
  });
  return svg;
}
