import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per application instance (not prom-client's global one), so several
 * apps in one test process never collide. Metrics are created on first use and then shared.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets?: number[]): Histogram<L> {
    return this.getOrCreate(name, () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }));
  }

  private getOrCreate<M extends Counter<string> | Gauge<string> | Histogram<string>>(name: string, create: () => M): M {
    const existing = this.metrics.get(name);
    if (existing) return existing as M;
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}
