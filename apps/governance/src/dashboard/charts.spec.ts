// Given counts, then the chart's bars and what it tells a screen reader.
import { barChart, daily } from './charts';

describe('dashboard charts', () => {
  it('fills the days without alerts with zero, oldest first', () => {
    expect(
      daily(
        [
          { day: '2026-12-05', count: 2 },
          { day: '2026-12-05', count: 1 },
          { day: '2026-12-06', count: 4 },
        ],
        3,
        new Date('2026-12-06T12:00:00Z'),
      ),
    ).toEqual([
      { label: '12-04', value: 0 },
      { label: '12-05', value: 3 },
      { label: '12-06', value: 4 },
    ]);
  });

  it('draws one bar per value, named with every value for screen readers, escaping labels', () => {
    const svg = barChart('Disclosures per purpose', [
      { label: 'TREAT', value: 5 },
      { label: '<b>', value: 1 },
    ]);
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('role="img" aria-label="Disclosures per purpose: TREAT 5, &#60;b&#62; 1"');
    expect(svg).not.toContain('<b>');
  });

  it('says so when there is nothing to draw', () => {
    expect(barChart('Alerts', [])).toContain('no data yet');
  });
});
