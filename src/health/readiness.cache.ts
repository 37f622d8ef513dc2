import { Injectable } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Settings } from '../config/settings';
import { AwsHealthIndicator } from '../infrastructure/aws-health.indicator';

export interface Readiness {
  readonly ready: boolean;
  readonly body: HealthCheckResult;
}

/**
 * The readiness answer, refreshed at most once per HEALTH_READY_CACHE_MS: load balancers on
 * several zones probe every few seconds each, and probes must never multiply AWS calls. While a
 * refresh runs, every probe waits for that one refresh (single flight), which the checks' own
 * timeouts keep short even when AWS hangs.
 */
@Injectable()
export class ReadinessCache {
  private latest: { readonly at: number; readonly value: Readiness } | undefined;
  private refreshing: Promise<Readiness> | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly health: HealthCheckService,
    private readonly aws: AwsHealthIndicator,
  ) {}

  current(): Promise<Readiness> {
    if (this.latest && Date.now() - this.latest.at < this.settings.readinessCacheMs) return Promise.resolve(this.latest.value);
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<Readiness> {
    const body = await this.health.check(this.aws.checks()).catch((error: unknown) => resultOf(error));
    const value = { ready: body.status === 'ok', body };
    this.latest = { at: Date.now(), value };
    return value;
  }
}

/** terminus rejects with a ServiceUnavailableException whose response is the result body. */
function resultOf(error: unknown): HealthCheckResult {
  const response = (error as { getResponse?: () => unknown }).getResponse?.();
  if (response && typeof response === 'object' && 'status' in response) return response as HealthCheckResult;
  throw error;
}
