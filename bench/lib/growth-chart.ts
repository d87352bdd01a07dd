import type { GrowthPoint } from './report.ts';

const W = 360;
const H = 240;
const PAD = { left: 56, right: 16, top: 36, bottom: 44 };

interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

const xmlText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const fmt = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** One panel: x = connections on a log scale, y from 0 to a rounded maximum, one polyline per series. */
function panel(offsetX: number, title: string, yLabel: string, xs: number[], series: Series[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const values = series.flatMap((s) => s.points.map((p) => p.y));
  const rawMax = Math.max(1, ...values);
  const step = 10 ** Math.floor(Math.log10(rawMax));
  const yMax = Math.ceil((rawMax * 1.15) / step) * step;
  const lo = Math.log10(Math.min(...xs));
  const hi = Math.log10(Math.max(...xs));
  const px = (x: number) =>
    offsetX + PAD.left + (hi === lo ? plotW / 2 : ((Math.log10(x) - lo) / (hi - lo)) * plotW);
  const py = (y: number) => PAD.top + plotH - (y / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${offsetX + W / 2}" y="18" text-anchor="middle" font-weight="bold">${xmlText(title)}</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    out.push(
      `<line x1="${offsetX + PAD.left}" x2="${offsetX + W - PAD.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${offsetX + PAD.left - 6}" y="${py(y) + 4}" text-anchor="end">${Math.round(y * 10) / 10}</text>`,
    );
  }
  for (const x of xs) {
    out.push(`<text x="${px(x)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }
  out.push(
    `<text x="${offsetX + W / 2}" y="${H - 8}" text-anchor="middle">connections (log scale)</text>`,
    `<text transform="translate(${offsetX + 14} ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xmlText(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const path = s.points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${path}"/>`);
    for (const p of s.points) {
      out.push(
        `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.color}"><title>${fmt(p.x)}: ${p.y}</title></circle>`,
      );
    }
    const ly = PAD.top + 4 + i * 14;
    out.push(
      `<line x1="${offsetX + PAD.left + 8}" x2="${offsetX + PAD.left + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${offsetX + PAD.left + 28}" y="${ly + 4}">${xmlText(s.label)}</text>`,
    );
  });
  return out.join('\n');
}

/** The growth chart (hand-written SVG, no dependency): engine cost per transition and work-list p99 by size. */
export function growthSvg(points: GrowthPoint[]): string {
  const sorted = [...points].sort((a, b) => a.connections - b.connections);
  const xs = sorted.map((p) => p.connections);
  const pick = (key: keyof GrowthPoint) =>
    sorted.flatMap((p) => (p[key] === null ? [] : [{ x: p.connections, y: p[key] as number }]));
  const left = panel(0, 'Engine (PostgreSQL, 1 worker)', 'ms per 1,000 transitions', xs, [
    { label: 'ms / 1,000 transitions', color: '#1f77b4', points: pick('msPer1000Transitions') },
  ]);
  const right = panel(W, 'Work list (PostgreSQL)', 'p99 latency, ms', xs, [
    { label: 'first page, worst filter, 1 client', color: '#2ca02c', points: pick('worklistP99') },
    { label: 'GET /api/worklist, 50 clients', color: '#d62728', points: pick('worklistLoadP99') },
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" viewBox="0 0 ${2 * W} ${H}" font-family="sans-serif" font-size="11" role="img">`,
    '<title>Stepwise growth: engine cost per transition and work-list p99 by number of connections</title>',
    `<rect width="${2 * W}" height="${H}" fill="#fff"/>`,
    left,
    right,
    '</svg>',
    '',
  ].join('\n');
}
