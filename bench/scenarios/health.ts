import type { Scenario } from '../bench.types';
import { load } from '../load';

/** The floor: the cheapest route through the whole HTTP pipeline. Later scenarios divide by it. */
export const healthScenario: Scenario = {
  name: 'health',
  description: 'GET /health/live under 50 connections',
  async run({ local, seconds }) {
    const result = await load({ url: `${local.apiUrl}/health/live`, seconds, connections: 50 });
    return [
      { scenario: 'health', name: 'rps', value: result.requestsPerSecond, unit: 'req/s' },
      { scenario: 'health', name: 'p50', value: result.p50Ms, unit: 'ms' },
      { scenario: 'health', name: 'p99', value: result.p99Ms, unit: 'ms' },
      { scenario: 'health', name: 'non_2xx', value: result.non2xx + result.errors, unit: 'responses' },
    ];
  },
};
