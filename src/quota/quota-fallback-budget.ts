import type { QuotaWindowSlot } from './quota-windows';

interface WindowCount {
  sk: string;
  used: number;
}

/**
 * The per-instance budget used while DynamoDB cannot be reached: `floor(limit × fraction)` per
 * window, so N instances together stay near `N × fraction` of the real limit instead of failing
 * open. Counts live only in this process and start over with each window.
 */
export class QuotaFallbackBudget {
  private readonly counts = new Map<string, WindowCount>();

  constructor(private readonly fraction: number) {}

  budgetOf(slot: QuotaWindowSlot): number {
    return Math.floor(slot.limit * this.fraction);
  }

  /** Same all-or-nothing rule as DynamoDB; returns the indexes of the windows without room. */
  tryReserve(service: string, slots: readonly QuotaWindowSlot[], n: number): number[] {
    const current = slots.map((slot) => this.current(service, slot));
    const exhausted = slots.flatMap((slot, i) => (current[i].used + n > this.budgetOf(slot) ? [i] : []));
    if (exhausted.length === 0) current.forEach((count) => (count.used += n));
    return exhausted;
  }

  private current(service: string, slot: QuotaWindowSlot): WindowCount {
    const key = `${service}|${slot.window}`;
    let count = this.counts.get(key);
    if (count?.sk !== slot.sk) {
      count = { sk: slot.sk, used: 0 };
      this.counts.set(key, count);
    }
    return count;
  }
}
