/** One benchmark figure, with the command that reproduces it. */
export interface Figure {
  scenario: string;
  setup: string;
  metric: string;
  value: number | string;
  unit: string;
  target?: string;
  met?: boolean;
  note?: string;
}

/** One line of the table: the measure, this run's value, the bar and whether it is met. */
export interface Bar {
  measure: string;
  value: string;
  bar: string;
  met: boolean;
}

/** One size of the growth runs (PostgreSQL). */
export interface GrowthPoint {
  connections: number;
  /** Engine, 1 worker: milliseconds per 1,000 step transitions (null when not measured at this size). */
  msPer1000Transitions: number | null;
  transitionsPerSecond: number | null;
  /** Work list: the worst first-page p99 over every filter, one client (ms). */
  worklistP99: number | null;
  /** GET /api/worklist p99 under 50 concurrent clients (ms). */
  worklistLoadP99: number | null;
  /** Set on a point kept from a separate run (bench/lib/separate-growth.ts): not measured by this one. */
  separateRun?: { commit: string; date: string; load: string };
}

export class Report {
  readonly figures: Figure[] = [];
  readonly bars: Bar[] = [];
  readonly growth: GrowthPoint[] = [];
  add(figure: Figure): void {
    this.figures.push(figure);
    const verdict = figure.met === undefined ? '' : figure.met ? '  [target met]' : '  [TARGET MISSED]';
    console.log(
      `  ${figure.scenario} | ${figure.setup} | ${figure.metric}: ${figure.value} ${figure.unit}${verdict}`,
    );
  }
  bar(bar: Bar): void {
    this.bars.push(bar);
    console.log(`  BAR ${bar.measure}: ${bar.value} (bar ${bar.bar}) ${bar.met ? 'met' : 'MISSED'}`);
  }
}
