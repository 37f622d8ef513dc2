import { Injectable } from '@nestjs/common';

/**
 * The service's time: quota windows, today's market date, whether a session has closed, fetch
 * and expiry stamps. Tests replace it, so the service, its quota and the market-data simulator
 * agree on "now". Elapsed-time logic (leases, backoff, cache ages) keeps the wall clock.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
