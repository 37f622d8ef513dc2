import type { LocalEnvironment } from '../scripts/local-stack/local-environment';

/** One measured number; `ratio` compares it with another figure of the same run. */
export interface Figure {
  readonly scenario: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ratio?: { readonly to: string; readonly value: number };
  readonly note?: string;
}

export interface BenchContext {
  readonly local: LocalEnvironment;
  /** Figures of the scenarios that already ran, by `scenario.name`. */
  readonly results: ReadonlyMap<string, Figure>;
  /** Seconds each load phase runs (BENCH_SECONDS, default 10). */
  readonly seconds: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<Figure[]>;
}

export function figureKey(figure: Pick<Figure, 'scenario' | 'name'>): string {
  return `${figure.scenario}.${figure.name}`;
}

export function ratio(value: number, to: string, base: Figure | undefined): Figure['ratio'] {
  return base && base.value !== 0 ? { to, value: value / base.value } : undefined;
}
