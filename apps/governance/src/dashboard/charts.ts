// Server-rendered SVG bar charts: no script, no external asset, readable by screen readers (role img, a title
// listing every value) and printable.
import { escapeHtml as escape } from '../http/html';

export interface Bar {
  label: string;
  value: number;
}

/** Vertical bars with the value above each and the label below; the colour passes WCAG AA on white. */
export function barChart(title: string, bars: readonly Bar[], { width = 560, height = 180, colour = '#1f4e8c' } = {}): string {
  const described = bars.length === 0 ? `${title}: no data` : `${title}: ${bars.map((bar) => `${bar.label} ${bar.value}`).join(', ')}`;
  const top = 18;
  const bottom = 34;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const slot = bars.length === 0 ? width : width / bars.length;
  const barWidth = Math.max(4, Math.min(48, slot * 0.7));
  const columns = bars
    .map((bar, index) => {
      const barHeight = Math.round(((height - top - bottom) * bar.value) / max);
      const x = Math.round(index * slot + (slot - barWidth) / 2);
      const y = height - bottom - barHeight;
      const middle = Math.round(index * slot + slot / 2);
      return (
        `<rect x="${x}" y="${y}" width="${Math.round(barWidth)}" height="${barHeight}" fill="${colour}"/>` +
        `<text x="${middle}" y="${y - 4}" text-anchor="middle" font-size="11">${bar.value}</text>` +
        `<text x="${middle}" y="${height - bottom + 14}" text-anchor="middle" font-size="10">${escape(bar.label)}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escape(described)}" viewBox="0 0 ${width} ${height}" width="100%" height="${height}"><title>${escape(described)}</title><line x1="0" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#4b5563"/>${columns}${bars.length === 0 ? `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12">no data yet</text>` : ''}</svg>`;
}

/** The last `days` UTC days, oldest first, with the counts given (0 where none). */
export function daily(counts: readonly { day: string; count: number }[], days: number, today: Date): Bar[] {
  const byDay = new Map<string, number>();
  for (const { day, count } of counts) byDay.set(day, (byDay.get(day) ?? 0) + count);
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(today.getTime() - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10);
    return { label: day.slice(5), value: byDay.get(day) ?? 0 };
  });
}
