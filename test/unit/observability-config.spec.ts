// infra/prometheus/alerts.yml and infra/grafana/medshare-overview.json may only use metrics that exist: medshare's own
// (names defined in apps/ and libs/), prom-client's default Node metrics every service exports, and Prometheus' `up`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import YAML from 'yaml';

const ROOT = join(__dirname, '../..');

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const defined = new Set(
  ['apps', 'libs'].flatMap((folder) =>
    sources(join(ROOT, folder)).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'(medshare_[a-z0-9_]+)'/g)].map((m) => m[1])),
  ),
);
const nodeDefaults = (() => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set(registry.getMetricsAsArray().map((metric) => metric.name));
})();

/** Metric names in a PromQL expression (label names and values, functions and keywords are not). */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b((?:medshare|nodejs|process)_[a-z0-9_]+|up)\b/g)].map((m) => m[1]);
}

function exists(name: string): boolean {
  if (name === 'up' || nodeDefaults.has(name) || defined.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, ''); // a histogram's series
  return base !== name && (defined.has(base) || nodeDefaults.has(base));
}

interface Rule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}
const rules = (YAML.parse(readFileSync(join(ROOT, 'infra/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra/grafana/medshare-overview.json'), 'utf8')) as {
  uid: string;
  panels: { title: string; targets: { expr: string }[] }[];
};

describe('Prometheus alert rules and the Grafana dashboard', () => {
  it('finds the metrics it checks against (the check itself can fail)', () => {
    expect(defined.has('medshare_http_request_duration_seconds')).toBe(true);
    expect(defined.has('medshare_consumer_lag')).toBe(true);
    expect(exists('medshare_no_such_metric_total')).toBe(false);
    expect(metricsIn('sum by (group) (rate(medshare_handler_retries_total{group="x"}[5m])) / up')).toEqual(['medshare_handler_retries_total', 'up']);
  });

  it('alert rules: each has a name, an expression over existing metrics, a severity and a summary', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect(rule).toMatchObject({ alert: expect.stringMatching(/^Medshare[A-Za-z]+$/), labels: { severity: expect.stringMatching(/^(critical|warning)$/) } });
      expect(rule.annotations?.summary).toBeTruthy();
      expect(metricsIn(rule.expr).length).toBeGreaterThan(0);
      expect({ alert: rule.alert, missing: metricsIn(rule.expr).filter((name) => !exists(name)) }).toEqual({ alert: rule.alert, missing: [] });
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it('dashboard: every panel queries existing metrics', () => {
    expect(dashboard.uid).toBe('medshare-overview');
    for (const panel of dashboard.panels) {
      const used = panel.targets.flatMap((target) => metricsIn(target.expr));
      expect(used.length).toBeGreaterThan(0);
      expect({ panel: panel.title, missing: used.filter((name) => !exists(name)) }).toEqual({ panel: panel.title, missing: [] });
    }
  });
});
