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

export class Report {
  readonly figures: Figure[] = [];
  add(figure: Figure): void {
    this.figures.push(figure);
    const verdict = figure.met === undefined ? '' : figure.met ? '  [target met]' : '  [TARGET MISSED]';
    console.log(
      `  ${figure.scenario} | ${figure.setup} | ${figure.metric}: ${figure.value} ${figure.unit}${verdict}`,
    );
  }
}
