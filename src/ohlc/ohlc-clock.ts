import { Injectable } from '@nestjs/common';

/**
 * The time market logic runs on (today's market date, whether a session has closed, fetch and
 * expiry stamps). Tests replace it so the service and the market-data simulator agree on "now".
 */
@Injectable()
export class OhlcClock {
  now(): Date {
    return new Date();
  }
}
