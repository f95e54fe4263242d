// Small SVG charts for the owner's numbers: vertical bars or a line over time,
// and horizontal bars for categories. No library.
//
// Each chart is a <figure>: an <svg role="img"> whose aria-label carries the key
// figure, and the numbers behind it as a real table in a <details> ("Vis tallene"),
// so screen readers and curious owners get the exact figures. The SVG is drawn at
// the figure's real width (a ResizeObserver redraws it), so its text stays 12–14 px
// on a 390 px phone and on a desktop alike. Colours come from styles.css classes
// (the CSP allows no inline styles). Call figure.dispose() when the screen goes.

import { h } from './dom.js';

const AXIS_FONT = 12; // px, matches .chart-axis in styles.css
const CHAR = 7; // rough width of one character at 12–13 px, for layout only
const BOLD_CHAR = 8.2; // … of a bold 13 px value (digits, spaces, %)

/**
 * Bars or a line over time.
 * points: [{ label: 'x-axis text', title: 'tooltip text', value }]
 * kind: 'bar' | 'line'; format: value → text (y axis, tooltips); ariaLabel: the key figure in words;
 * table: { head: [..], rows: [[..]] } shown under `numbersLabel`.
 */
export function timeChart({ kind = 'bar', points, ariaLabel, format = String, table, numbersLabel, testid, caption }) {
  return chartFigure({ ariaLabel, table, numbersLabel, testid, caption, kind, draw: (w) => drawTime(w, kind, points, format) });
}

/**
 * Horizontal bars, one row per item: [{ label, value, valueText, tone: 1|2|3 }].
 * max: the full length (default: the largest value), e.g. all members for a share.
 */
export function barList({ items, max, ariaLabel, table, numbersLabel, testid, caption }) {
  return chartFigure({ ariaLabel, table, numbersLabel, testid, caption, kind: 'hbar', draw: (w) => drawBarList(w, items, max) });
}

function chartFigure({ ariaLabel, table, numbersLabel, testid, caption, kind, draw }) {
  const svg = h('svg:svg', { class: 'chart-svg', role: 'img', 'aria-label': ariaLabel, focusable: 'false' });
  const box = h('div', { class: 'chart-box' }, svg);
  const figure = h('figure', { class: ['chart', `chart-kind-${kind}`], testid },
    caption ? h('figcaption', { class: 'chart-caption', text: caption }) : null,
    box,
    table ? numbersTable(table, numbersLabel, testid) : null);
  let width = 0;
  const redraw = () => {
    const w = Math.floor(box.clientWidth);
    if (!w || w === width) return;
    width = w;
    const { height, nodes } = draw(Math.max(w, 200));
    svg.setAttribute('viewBox', `0 0 ${Math.max(w, 200)} ${height}`);
    svg.setAttribute('width', String(Math.max(w, 200)));
    svg.setAttribute('height', String(height));
    svg.dataset.drawn = 'true';
    svg.replaceChildren(...nodes);
  };
  const observer = new ResizeObserver(redraw);
  observer.observe(box);
  figure.dispose = () => observer.disconnect();
  return figure;
}

function numbersTable({ head, rows }, label, testid) {
  return h('details', { class: 'chart-data' },
    h('summary', { text: label || 'Data' }),
    h('div', { class: 'chart-table-wrap' },
      h('table', { class: 'data-table chart-table', testid: testid ? `${testid}-table` : null },
        h('thead', {}, h('tr', {}, head.map((text, i) => h('th', { scope: 'col', class: i ? 'num' : null, text })))),
        h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell, i) => (i
          ? h('td', { class: 'num', text: String(cell) })
          : h('th', { scope: 'row', text: String(cell) })))))))));
}

/** Round tick values for a count axis: 0 … ≥ max in whole 1/2/5 × 10ⁿ steps. */
export function niceTicks(max, wanted = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / wanted;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  step = Math.max(1, step); // counts: whole steps
  const top = Math.ceil(max / step - 1e-9) * step;
  const out = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Which x labels to show: first, last, and evenly spaced ones that fit. */
function labelIndexes(n, plotWidth, widest) {
  if (n <= 1) return n ? [0] : [];
  const fit = Math.max(2, Math.floor(plotWidth / (widest + 14)));
  const step = Math.max(1, Math.ceil((n - 1) / (fit - 1)));
  const out = [];
  for (let i = 0; i < n; i += step) out.push(i);
  const last = n - 1;
  if (out[out.length - 1] !== last) {
    if (last - out[out.length - 1] < step * 0.6 && out.length > 1) out.pop();
    out.push(last);
  }
  return out;
}

function text(x, y, content, cls, anchor = 'start') {
  return h('svg:text', { x: x.toFixed(1), y: y.toFixed(1), class: cls, 'text-anchor': anchor, text: content });
}

function drawTime(width, kind, points, format) {
  const g = timeFrame(width, points, format);
  const nodes = [
    ...gridLines(g),
    ...(kind === 'line' ? lineMarks(g) : barMarks(g)),
    ...xLabels(g),
  ];
  return { height: g.height, nodes };
}

/**
 * What the parts of a time chart share: the size, the points and their values, the y ticks and
 * labels (the widest sets the left margin), one band per point, and the scales y(value) and cx(i).
 */
function timeFrame(width, points, format) {
  const height = width >= 560 ? 240 : 200;
  const values = points.map((p) => Number(p.value) || 0);
  const ticks = niceTicks(Math.max(0, ...values));
  const top = ticks[ticks.length - 1];
  const yLabels = ticks.map((v) => format(v));
  const left = Math.max(...yLabels.map((s) => s.length)) * CHAR + 10;
  const right = 8;
  const topPad = 10;
  const bottom = AXIS_FONT + 14;
  const plotW = width - left - right;
  const plotH = height - topPad - bottom;
  const n = points.length;
  const band = n ? plotW / n : plotW;
  return {
    width, height, points, values, format, ticks, yLabels, left, right, plotW, n, band,
    y: (v) => topPad + plotH - (v / top) * plotH,
    cx: (i) => left + band * i + band / 2,
  };
}

function gridLines(g) {
  const { left, width, right } = g;
  return g.ticks.flatMap((v, i) => {
    const gy = g.y(v);
    return [
      h('svg:line', { x1: left, x2: width - right, y1: gy.toFixed(1), y2: gy.toFixed(1), class: i ? 'chart-grid' : 'chart-baseline' }),
      text(left - 6, gy + AXIS_FONT / 3, g.yLabels[i], 'chart-axis', 'end'),
    ];
  });
}

/** The line with the area under it, and a dot per point (only the last one when there are many). */
function lineMarks(g) {
  const { n, values, points, format } = g;
  if (!n) return [];
  const coords = values.map((v, i) => [g.cx(i), g.y(v)]);
  const line = coords.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)}`).join(' ');
  const base = g.y(0).toFixed(1);
  const nodes = [
    h('svg:path', { class: 'chart-area', d: `${line} L${coords[n - 1][0].toFixed(1)} ${base} L${coords[0][0].toFixed(1)} ${base} Z` }),
    h('svg:path', { class: 'chart-line', d: line }),
  ];
  coords.forEach(([px, py], i) => {
    const last = i === n - 1;
    if (n > 31 && !last) return;
    nodes.push(h('svg:circle', {
      cx: px.toFixed(1), cy: py.toFixed(1), r: last ? 4.5 : 3, class: last ? 'chart-dot chart-dot-last' : 'chart-dot',
      'data-value': String(values[i]),
    }, h('svg:title', { text: points[i].title || `${points[i].label}: ${format(values[i])}` })));
  });
  return nodes;
}

function barMarks(g) {
  const { band, points, format } = g;
  const barW = Math.max(1, band * (band > 12 ? 0.66 : 0.8));
  return g.values.map((v, i) => {
    const by = g.y(v);
    return h('svg:rect', {
      class: 'chart-bar', x: (g.cx(i) - barW / 2).toFixed(1), y: by.toFixed(1),
      width: barW.toFixed(1), height: Math.max(0, g.y(0) - by).toFixed(1), rx: barW > 6 ? 2 : 0,
      'data-value': String(v),
    }, h('svg:title', { text: points[i].title || `${points[i].label}: ${format(v)}` }));
  });
}

/** The x labels that fit; the first and last are kept inside the chart's edges. */
function xLabels(g) {
  const { points, left, width, band, height } = g;
  const widest = Math.max(1, ...points.map((p) => String(p.label).length)) * CHAR;
  return labelIndexes(g.n, g.plotW, widest).map((i) => {
    let x = g.cx(i);
    let anchor = 'middle';
    if (x - widest / 2 < left - 4) { x = Math.max(2, g.cx(i) - band / 2); anchor = 'start'; }
    if (x + widest / 2 > width - 2) { x = width - 2; anchor = 'end'; }
    return text(x, height - 6, String(points[i].label), 'chart-axis', anchor);
  });
}

function drawBarList(width, items, max) {
  const rowH = 44;
  const topPad = 4;
  const height = topPad + Math.max(1, items.length) * rowH;
  const full = Math.max(max ?? 0, ...items.map((it) => Number(it.value) || 0), 1);
  const reserve = Math.max(3, ...items.map((it) => String(it.valueText ?? it.value).length)) * BOLD_CHAR + 12;
  const barMax = Math.max(20, width - reserve);
  const nodes = [];
  items.forEach((it, i) => {
    const top = topPad + i * rowH;
    const value = Number(it.value) || 0;
    const barW = (value / full) * barMax;
    const maxChars = Math.floor(width / (CHAR + 0.6));
    const label = String(it.label).length > maxChars ? `${String(it.label).slice(0, maxChars - 1)}…` : String(it.label);
    nodes.push(text(0, top + 14, label, 'chart-label'));
    nodes.push(h('svg:rect', { class: 'chart-track', x: 0, y: top + 21, width: barMax.toFixed(1), height: 14, rx: 3 }));
    nodes.push(h('svg:rect', {
      class: ['chart-bar', it.tone ? `chart-tone-${it.tone}` : ''].filter(Boolean).join(' '),
      x: 0, y: top + 21, width: Math.max(value > 0 ? 2 : 0, barW).toFixed(1), height: 14, rx: 3,
      'data-value': String(value),
    }, h('svg:title', { text: `${it.label}: ${it.valueText ?? it.value}` })));
    nodes.push(text(barMax + 6, top + 33, String(it.valueText ?? it.value), 'chart-value'));
  });
  return { height, nodes };
}
