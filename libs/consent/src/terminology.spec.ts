// The is-a hierarchies, checked against the published R4 v3 code systems.
import { parseDateTime } from './fhir-date-time';
import { purposeCovers, sensitivityCovers } from './terminology';

describe('purposeCovers (a parent covers its children, never the reverse)', () => {
  it.each([
    ['TREAT covers ETREAT', 'TREAT', 'ETREAT', true],
    ['ETREAT does not cover TREAT', 'ETREAT', 'TREAT', false],
    ['TREAT covers BTG through ETREAT', 'TREAT', 'BTG', true],
    ['HRESCH covers CLINTRCH', 'HRESCH', 'CLINTRCH', true],
    ['CLINTRCH does not cover HRESCH', 'CLINTRCH', 'HRESCH', false],
    ['HOPERAT covers LABELING through HSYSADMIN', 'HOPERAT', 'LABELING', true],
    ['HPAYMT covers ELIGVER through COVERAGE', 'HPAYMT', 'ELIGVER', true],
    ['PUBHLTH covers DISASTER', 'PUBHLTH', 'DISASTER', true],
    ['POPHLTH sits under TREAT, not PUBHLTH', 'PUBHLTH', 'POPHLTH', false],
    ['TREAT does not cover HRESCH', 'TREAT', 'HRESCH', false],
    ['a code covers itself', 'HPAYMT', 'HPAYMT', true],
  ])('%s', (_name, granted, requested, covers) => {
    expect(purposeCovers(granted, requested)).toBe(covers);
  });
});

describe('sensitivityCovers (SPI covers its descendants)', () => {
  it.each([
    ['SPI covers PSY', 'SPI', 'PSY', true],
    ['SPI covers SUD', 'SPI', 'SUD', true],
    ['SPI covers OPIOIDUD through SUD', 'SPI', 'OPIOIDUD', true],
    ['SPI covers COGN through BH', 'SPI', 'COGN', true],
    ['SPI does not cover HIV', 'SPI', 'HIV', false],
    ['PSY does not cover SPI', 'PSY', 'SPI', false],
    ['ETH (substance abuse) is not under SUD in R4', 'SUD', 'ETH', false],
  ])('%s', (_name, named, carried, covers) => {
    expect(sensitivityCovers(named, carried)).toBe(covers);
  });
});

describe('parseDateTime (UTC intervals)', () => {
  it.each([
    ['a year covers the whole year', '2024', Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1) - 1],
    ['a leap February covers 29 days', '2024-02', Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1) - 1],
    ['a day covers the UTC day', '2024-02-29', Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1) - 1],
    ['an offset moves the instant to UTC', '2024-01-01T01:00:00+02:00', Date.UTC(2023, 11, 31, 23), Date.UTC(2023, 11, 31, 23) + 999],
    ['a fraction is exact', '2024-01-01T00:00:00.250Z', Date.UTC(2024, 0, 1) + 250, Date.UTC(2024, 0, 1) + 250],
  ])('%s', (_name, text, start, end) => {
    expect(parseDateTime(text)).toEqual({ ok: true, interval: { start, end } });
  });

  it.each([
    ['a time without offset', '2024-01-01T10:00:00'],
    ['a time without seconds', '2024-01-01T10:00Z'],
    ['February 30', '2023-02-30'],
    ['month 13', '2024-13'],
    ['a slash date', '2024/01/01'],
  ])('rejects %s', (_name, text) => {
    expect(parseDateTime(text).ok).toBe(false);
  });
});
