/** What each part of the hybrid said about one task: a probability per label, or nothing. */
export type PartName = 'llm' | 'examples' | 'lexicon';
export const PART_NAMES: readonly PartName[] = ['llm', 'examples', 'lexicon'];

export type Weights = Record<PartName, number>;

export interface Decision {
  label: string;
  /** The combined probability of the label. */
  confidence: number;
  distribution: Map<string, number>;
  /** The parts that had an opinion. */
  parts: PartName[];
}

/** Probabilities are floored before taking logs: one part's near-zero must not veto the others. */
const FLOOR = 1e-4;

/**
 * A weighted product of the parts' distributions (a sum of log-probabilities), renormalised: parts
 * that agree reinforce each other, a confident part outweighs an unsure one, and a label a part did not
 * consider (an intent the LLM was not offered) gets that part's smallest probability, not zero.
 */
export function combine(
  labels: readonly string[],
  opinions: Partial<Record<PartName, Map<string, number>>>,
  weights: Weights,
): Decision {
  const parts = PART_NAMES.filter((p) => opinions[p] !== undefined && weights[p] > 0);
  const logScore = new Map(labels.map((l) => [l, 0]));
  for (const part of parts) {
    const opinion = opinions[part] ?? new Map<string, number>();
    const least = Math.min(...[...opinion.values()].filter((v) => v > 0), 1);
    for (const label of labels) {
      const p = Math.max(FLOOR, opinion.get(label) ?? least);
      logScore.set(label, (logScore.get(label) ?? 0) + weights[part] * Math.log(p));
    }
  }
  const max = Math.max(...logScore.values());
  const exps = [...logScore].map(([l, s]) => [l, Math.exp(s - max)] as const);
  const sum = exps.reduce((a, [, v]) => a + v, 0);
  const distribution = new Map(exps.map(([l, v]) => [l, v / sum]));
  let best = { label: labels[0] ?? 'other', confidence: 0 };
  for (const [label, p] of distribution) if (p > best.confidence) best = { label, confidence: p };
  return { ...best, distribution, parts };
}

/** The `k` most probable labels, most probable first. */
export function topLabels(distribution: ReadonlyMap<string, number>, k: number): string[] {
  return [...distribution]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([l]) => l);
}
