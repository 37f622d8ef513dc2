import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../observability/metrics.registry';

export const POLL_OUTCOMES = ['ok', 'quota_slowdown', 'error', 'lease_lost'] as const;
export type PollOutcome = (typeof POLL_OUTCOMES)[number];

/** What on-call needs of the live stream: how many are open, how often we poll, how late bars arrive. */
@Injectable()
export class LiveMetrics {
  readonly openStreams: Gauge;
  readonly feeds: Gauge;
  readonly polls: Counter<'outcome'>;
  readonly fanOutLag: Histogram;
  readonly refused: Counter<'reason'>;

  constructor(metrics: MetricsRegistry) {
    this.openStreams = metrics.gauge('ohlc_live_streams_open', 'Open live candle streams on this instance');
    this.feeds = metrics.gauge('ohlc_live_feeds', 'Watched (ticker, resolution) pairs on this instance');
    this.polls = metrics.counter('ohlc_live_polls_total', 'Provider polls made by this instance for live streams, by outcome', ['outcome']);
    for (const outcome of POLL_OUTCOMES) this.polls.inc({ outcome }, 0);
    this.fanOutLag = metrics.histogram(
      'ohlc_live_fanout_lag_seconds',
      'From the poller writing bars to DynamoDB to this instance writing them to its clients',
      [],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    );
    this.refused = metrics.counter('ohlc_live_streams_refused_total', 'Streams refused by a limit', ['reason']);
    for (const reason of ['user_limit', 'instance_limit']) this.refused.inc({ reason }, 0);
  }
}
