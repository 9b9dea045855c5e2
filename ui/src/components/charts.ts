// What the small chart components draw.

/** One bar: a labelled count, or `value` out of `total` (a rate). */
export interface Bar {
  label: string;
  value: number;
  /** When set, the bar shows `value` out of `total`. */
  total?: number;
}
