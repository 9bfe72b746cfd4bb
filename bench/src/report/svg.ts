// The chart the README links to: median req/s per layer with the rounds' min–max as whiskers, one panel per
// group shown (first call and replay side by side, the baseline as a line). Plain SVG, no dependencies.
import type { ArmSummary } from './summary.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(
  summaries: readonly ArmSummary[],
  groups: readonly string[],
  title: string,
): string {
  const panels = groups
    .map((g) => ({ group: g, arms: summaries.filter((s) => s.group === g) }))
    .filter((p) => p.arms.length > 0);
  const rowH = 18;
  const labelW = 230;
  const barW = 520;
  const width = labelW + barW + 90;
  let y = 40;
  const parts: string[] = [];
  for (const panel of panels) {
    const max = Math.max(...panel.arms.map((a) => a.rps.max), 1);
    const scale = (v: number) => (v / max) * barW;
    parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(panel.group)}</text>`);
    y += 10;
    const base = panel.arms.find((a) => a.arm.layer === 'none');
    const top = y;
    for (const a of panel.arms) {
      const color = a.arm.layer === 'none' ? '#888' : a.arm.scenario === 'replay' ? '#2a9d8f' : '#264653';
      const peer = a.arm.layer === 'node-idempotency' || a.arm.layer === 'powertools';
      parts.push(
        `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(`${a.arm.procedure} ${a.arm.scenario}`)}</text>`,
        `<rect x="${labelW}" y="${y + 3}" width="${scale(a.rps.median).toFixed(1)}" height="${rowH - 6}" fill="${color}"${peer ? ' fill-opacity="0.55"' : ''}/>`,
        `<line x1="${(labelW + scale(a.rps.min)).toFixed(1)}" x2="${(labelW + scale(a.rps.max)).toFixed(1)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#e76f51" stroke-width="1.5"/>`,
        `<text x="${(labelW + scale(a.rps.max) + 6).toFixed(1)}" y="${y + 13}">${Math.round(a.rps.median).toLocaleString('en')}</text>`,
      );
      y += rowH;
    }
    if (base !== undefined) {
      const x = (labelW + scale(base.rps.median)).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${y}" stroke="#888" stroke-dasharray="4 3"/>`);
    }
    y += 24;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    `<text x="10" y="${y + 6}" fill="#555">req/s, median of rounds; red: min–max over rounds; dashed: no idempotency (baseline); pale: peers</text>`,
    '</svg>',
    '',
  ].join('\n');
}
