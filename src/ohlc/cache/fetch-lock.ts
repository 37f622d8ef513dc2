import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ExecuteOptions } from '../../resilience/resilience.service';
import { OhlcCacheRepository } from './ohlc-cache.repository';

/** Longer than a provider call plus the write of its candles; a crashed holder frees it by then. */
export const LOCK_LEASE_MS = 10_000;

/**
 * The cross-instance fetch lock of one (ticker, resolution, gap, ET date anchor). Leases use the
 * wall clock, not the market clock: they are about instances racing each other right now.
 */
@Injectable()
export class FetchLock {
  /** Random per process, so only the holder can release its lock. */
  readonly holder = randomUUID();

  constructor(private readonly repository: OhlcCacheRepository) {}

  tryAcquire(lockPk: string): Promise<boolean> {
    return this.repository.tryAcquireLock(lockPk, this.holder, Date.now(), LOCK_LEASE_MS);
  }

  release(lockPk: string, options?: ExecuteOptions): Promise<void> {
    return this.repository.releaseLock(lockPk, this.holder, options);
  }
}
