/**
 * A quota unit reserved before it is certain to be needed, so that its DynamoDB write runs beside
 * the work that decides (the fetch lock, the coverage re-check) instead of before the call it
 * pays for. Nothing is ever spent ahead: the call still awaits `use()`, which fails as a
 * reservation would. `hold()` starts the reservation (once); when every hold is dropped and
 * nobody used it, the unit is given back, so the counts end as if only used units were reserved.
 */
export class ReservedAhead<T> {
  private reserved: Promise<T> | undefined;
  private holds = 0;
  private used = false;
  /** The second ask after a refused reservation ahead: one per unit, whichever use() makes it. */
  private again: Promise<T> | undefined;

  constructor(
    private readonly reserve: () => Promise<T>,
    private readonly giveBack: (reserved: T) => Promise<void>,
  ) {}

  /** Starts the reservation if it is not running yet; the returned function drops this hold (idempotent). */
  hold(): () => void {
    this.holds += 1;
    this.start();
    let dropped = false;
    return () => {
      if (dropped) return;
      dropped = true;
      this.holds -= 1;
      this.giveBackIfUnused();
    };
  }

  /**
   * The unit, for a call about to be made: reserved now if no hold started it. A reservation made
   * ahead and refused is asked for once more now, since units other requests held ahead count
   * until they are given back and may have been meanwhile. Rejects as that reservation did.
   */
  use(): Promise<T> {
    this.used = true;
    if (!this.reserved) return this.start();
    return this.reserved.catch(() => (this.again ??= this.reserve()));
  }

  private start(): Promise<T> {
    if (!this.reserved) {
      this.reserved = this.reserve();
      // A reservation nobody ends up awaiting (all holds dropped) must not surface as unhandled.
      this.reserved.catch(() => undefined);
    }
    return this.reserved;
  }

  private giveBackIfUnused(): void {
    if (this.used || this.holds > 0 || !this.reserved) return;
    const reserved = this.reserved;
    // A later hold or use reserves anew: this unit is on its way back.
    this.reserved = undefined;
    reserved.then((unit) => this.giveBack(unit), () => undefined).catch(() => undefined);
  }
}
