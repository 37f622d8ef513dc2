/** One symbol of the ticker list, as the service uses it (the S3 object's shape is in API.md). */
export interface TickerEntry {
  readonly symbol: string;
  readonly name: string;
  readonly exchange: string;
  readonly isActive: boolean;
  readonly successorSymbol: string | null;
}

export interface SkippedEntry {
  readonly symbol: string;
  readonly reason: string;
}

export interface ParsedTickerList {
  readonly version: string | null;
  readonly entries: readonly TickerEntry[];
  readonly skipped: readonly SkippedEntry[];
}

/** The object as a whole cannot be used; the caller keeps the list it had. */
export class UnusableTickerListError extends Error {
  constructor(reason: string) {
    super(`ticker list unusable: ${reason}`);
    this.name = 'UnusableTickerListError';
  }
}

// Wider than the ^[A-Z]{1,5}$ that configurations accept: share classes (BRK.B) are still searchable.
const LIST_SYMBOL = /^[A-Z0-9][A-Z0-9.-]{0,9}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function entryProblem(symbol: string, raw: unknown): string | undefined {
  if (!LIST_SYMBOL.test(symbol)) return 'symbol is not 1-10 upper-case letters, digits, dots or dashes';
  if (!isRecord(raw)) return 'entry is not an object';
  if (typeof raw.name !== 'string' || raw.name.trim() === '') return 'name is not a non-empty string';
  if (typeof raw.exchange !== 'string' || raw.exchange.trim() === '') return 'exchange is not a non-empty string';
  if (typeof raw.is_active !== 'boolean') return 'is_active is not a boolean';
  const successor = raw.successor_symbol;
  if (successor !== undefined && successor !== null && (typeof successor !== 'string' || !LIST_SYMBOL.test(successor))) {
    return 'successor_symbol is not a symbol';
  }
  return undefined;
}

/**
 * Checks the object entry by entry: a bad entry is skipped (and reported), so one typo in a list of
 * thousands does not take every other symbol down with it.
 */
export function parseTickerList(text: string): ParsedTickerList {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new UnusableTickerListError('not valid JSON');
  }
  if (!isRecord(document) || !isRecord(document.symbols)) throw new UnusableTickerListError('"symbols" is not an object');
  const entries: TickerEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const [symbol, raw] of Object.entries(document.symbols)) {
    const problem = entryProblem(symbol, raw);
    if (problem !== undefined) {
      skipped.push({ symbol: symbol.slice(0, 20), reason: problem });
      continue;
    }
    const entry = raw as Record<string, unknown>;
    entries.push({
      symbol,
      name: (entry.name as string).trim(),
      exchange: (entry.exchange as string).trim(),
      isActive: entry.is_active as boolean,
      successorSymbol: typeof entry.successor_symbol === 'string' ? entry.successor_symbol : null,
    });
  }
  // An empty list would make every ticker "unknown": worse than keeping the previous one.
  if (entries.length === 0) throw new UnusableTickerListError('no usable symbols');
  return { version: typeof document.version === 'string' ? document.version : null, entries, skipped };
}

interface SearchRow {
  readonly entry: TickerEntry;
  readonly lowerName: string;
}

/** Lookup and search structures built once per list, so a search never sorts or lower-cases. */
export class TickerIndex {
  private readonly bySymbol: ReadonlyMap<string, TickerEntry>;
  /** Active symbols sorted by symbol: a prefix is a contiguous range found by binary search. */
  private readonly active: readonly SearchRow[];

  constructor(
    entries: readonly TickerEntry[],
    readonly version: string | null,
  ) {
    this.bySymbol = new Map(entries.map((entry) => [entry.symbol, entry]));
    this.active = entries
      .filter((entry) => entry.isActive)
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
      .map((entry) => ({ entry, lowerName: entry.name.toLowerCase() }));
  }

  get size(): number {
    return this.bySymbol.size;
  }

  lookup(symbol: string): TickerEntry | undefined {
    return this.bySymbol.get(symbol);
  }

  /** Exact symbol, then symbol prefix, then name substring; case-insensitive, active only. */
  search(query: string, limit: number): TickerEntry[] {
    const upper = query.trim().toUpperCase();
    const lower = query.trim().toLowerCase();
    if (upper === '' || limit <= 0) return [];
    const results: TickerEntry[] = [];
    const taken = new Set<string>();
    const take = (entry: TickerEntry): boolean => {
      if (!taken.has(entry.symbol)) {
        taken.add(entry.symbol);
        results.push(entry);
      }
      return results.length >= limit;
    };
    const exact = this.bySymbol.get(upper);
    if (exact?.isActive && take(exact)) return results;
    for (let i = this.firstAtOrAfter(upper); i < this.active.length; i++) {
      const { entry } = this.active[i];
      if (!entry.symbol.startsWith(upper)) break;
      if (take(entry)) return results;
    }
    for (const row of this.active) {
      if (row.lowerName.includes(lower) && take(row.entry)) return results;
    }
    return results;
  }

  private firstAtOrAfter(symbol: string): number {
    let low = 0;
    let high = this.active.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.active[mid].entry.symbol < symbol) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
