import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { useAppWithAws } from '../support/app-with-aws';

const PROMETHEUS_DIR = resolve(__dirname, '../../deploy/prometheus');
const OHLC_ROUTE = '/api/v2/tickers/:ticker/ohlc';

/** PromQL words that are not metric names: functions, aggregations, operators, modifiers. */
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without',
  'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'abs', 'clamp_min',
]);

/** The metric names a PromQL expression reads: label matchers, grouping labels, strings and ranges removed. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const words = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((word) => !PROMQL_WORDS.has(word)))];
}

interface Dashboard {
  title: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}

/** Every series name /metrics exposes: each `# TYPE`, and a histogram's _bucket/_sum/_count. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** The dashboard and the alert rules may only use what the service really exports: its own /metrics is the reference. */
describe('Grafana dashboard and Prometheus alert rules against /metrics', () => {
  const ctx = useAppWithAws();
  let exported: Set<string>;
  let metricsText: string;

  beforeAll(async () => {
    // An unauthenticated OHLC request is still labelled with its route pattern.
    await request(ctx.testApp.server).get('/api/v2/tickers/AAPL/ohlc').expect(401);
    metricsText = (await request(ctx.testApp.server).get('/metrics').expect(200)).text;
    exported = exportedNames(metricsText);
  });

  it('reads PromQL metric names correctly (the helper this suite relies on)', () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route="/x"}[5m]))) > 2.5')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNamesIn('sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(b_total[5m])) > 0.05')).toEqual(['a_total', 'b_total']);
  });

  it('has a dashboard that parses and queries only exported metrics', () => {
    const dashboard = JSON.parse(readFileSync(resolve(PROMETHEUS_DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricNamesIn(target.expr)));

    expect(dashboard.panels.length).toBeGreaterThan(0);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('has alert rules that read only exported metrics', () => {
    const rules = (parseYaml(readFileSync(resolve(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as RuleFile).groups.flatMap((group) => group.rules);
    const used = rules.flatMap((rule) => metricNamesIn(rule.expr));

    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['OhlcCacheErrors', 'CircuitBreakerOpen', 'OhlcCacheWritesLost', 'OhlcUnprocessedWrites', 'ProviderQuotaCritical', 'ProviderQuotaExhausted', 'High5xxRatio', 'OhlcLatencyP99High']),
    );
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('labels the OHLC route the way the latency alert and the dashboard select it', () => {
    expect(metricsText).toContain(`route="${OHLC_ROUTE}"`);
    const alerts = readFileSync(resolve(PROMETHEUS_DIR, 'alerts.yml'), 'utf8');
    expect(alerts).toContain(`route="${OHLC_ROUTE}"`);
  });
});
