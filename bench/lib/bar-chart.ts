import type { Family } from './field-targets.js';

/** One bar: a ratio to the ceiling, and the text written beside it. */
export interface Bar {
  label: string;
  value: number;
  note: string;
  family: Family;
}

/** A dashed vertical line across every bar: a goal to reach. */
export interface Marker {
  value: number;
  label: string;
}

/** What {@link drawBarChart} draws. */
export interface BarChart {
  title: string;
  /** One or more lines under the title: machine, settings. */
  subtitle: readonly string[];
  bars: readonly Bar[];
  markers: readonly Marker[];
  /** The axis' name, under it. */
  axisLabel: string;
}

const WIDTH = 900;
const LABEL_WIDTH = 270;
const NOTE_WIDTH = 190;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 16;
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const COLOURS: Record<Family, string> = {
  ceiling: '#9aa0a6',
  latchkey: '#1a73e8',
  field: '#e8710a',
};
const LEGEND: Record<Family, string> = {
  ceiling: 'ceiling (node:http, no auth)',
  latchkey: 'Latchkey',
  field: 'other libraries',
};

/**
 * A horizontal bar chart as a standalone SVG document: one bar per target, scaled from 0 to
 * the largest value (at least 1.0), with gridlines every 0.2, the markers as dashed lines, and
 * a legend by family. Text is escaped; no script, no external resource.
 */
export function drawBarChart(chart: BarChart): string {
  const legendY = 48 + chart.subtitle.length * 18 + 12;
  const markerLabelsY = legendY + 24;
  const top = markerLabelsY + chart.markers.length * 14 + 2;
  const plotLeft = LABEL_WIDTH;
  const plotWidth = WIDTH - LABEL_WIDTH - NOTE_WIDTH;
  const plotHeight = chart.bars.length * ROW_HEIGHT;
  const height = top + plotHeight + 48;
  const maxValue = Math.max(1, ...chart.bars.map((bar) => bar.value));
  const scaleMax = Math.ceil(maxValue * 5) / 5;
  const x = (value: number) => plotLeft + (Math.max(0, value) / scaleMax) * plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" font-size="13">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(16, 26, chart.title, { size: 17, weight: 'bold' }),
    ...chart.subtitle.map((line, index) =>
      text(16, 48 + index * 18, line, { size: 12, fill: '#5f6368' }),
    ),
  ];

  let legendX = 16;
  for (const family of ['latchkey', 'field', 'ceiling'] as const) {
    const y = legendY;
    parts.push(
      `<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${COLOURS[family]}"/>`,
    );
    parts.push(text(legendX + 18, y, LEGEND[family], { size: 12 }));
    legendX += 18 + LEGEND[family].length * 6.5 + 24;
  }

  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.2) {
    const tx = round(x(tick));
    parts.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${top + plotHeight}" stroke="#e0e0e0"/>`,
      text(tx, top + plotHeight + 16, tick.toFixed(1), { size: 11, anchor: 'middle' }),
    );
  }

  chart.bars.forEach((bar, index) => {
    const rowTop = top + index * ROW_HEIGHT;
    const barTop = rowTop + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const barRight = x(bar.value);
    parts.push(
      text(plotLeft - 8, rowTop + ROW_HEIGHT / 2 + 4, bar.label, { anchor: 'end' }),
      `<rect x="${plotLeft}" y="${round(barTop)}" width="${round(barRight - plotLeft)}" ` +
        `height="${BAR_HEIGHT}" fill="${COLOURS[bar.family]}"/>`,
      text(barRight + 6, rowTop + ROW_HEIGHT / 2 + 4, bar.note, { size: 12 }),
    );
  });

  // Each marker's label sits on a line of its own above the bars, left of its dashed line, which
  // runs down from the label through every bar. The rightmost marker goes on the top line, so
  // that no line crosses another marker's label.
  const markers = [...chart.markers].sort((a, b) => b.value - a.value);
  markers.forEach((marker, index) => {
    const mx = round(x(marker.value));
    const labelY = markerLabelsY + index * 14;
    parts.push(
      `<line x1="${mx}" y1="${labelY + 3}" x2="${mx}" y2="${top + plotHeight}" stroke="#202124" ` +
        `stroke-width="1" stroke-dasharray="4 3"/>`,
      text(mx - 4, labelY, marker.label, { size: 11, anchor: 'end', fill: '#202124' }),
    );
  });

  parts.push(
    text(plotLeft + plotWidth / 2, top + plotHeight + 36, chart.axisLabel, {
      size: 12,
      anchor: 'middle',
      fill: '#5f6368',
    }),
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function text(
  x: number,
  y: number,
  content: string,
  style: { size?: number; weight?: string; fill?: string; anchor?: string } = {},
): string {
  const attributes = [
    `x="${round(x)}"`,
    `y="${round(y)}"`,
    style.size === undefined ? '' : `font-size="${style.size}"`,
    style.weight === undefined ? '' : `font-weight="${style.weight}"`,
    `fill="${style.fill ?? '#202124'}"`,
    style.anchor === undefined ? '' : `text-anchor="${style.anchor}"`,
  ].filter((attribute) => attribute !== '');
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
