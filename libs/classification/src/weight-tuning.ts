import { combine, type PartName, type Weights } from './combine.ts';

/** One held-out example of a task: what the other parts said, the LLM's opinion when it was asked, the gold label. */
export interface HeldOut {
  gold: string;
  opinions: Partial<Record<PartName, Map<string, number>>>;
}

/** Multiples of the configured LLM weight that tuning tries; 0 switches the LLM off for the task. */
export const LLM_WEIGHT_FACTORS = [0, 0.25, 0.5, 1, 2] as const;

/** Fewer held-out examples than this say nothing reliable: the configured weight is kept. */
export const MIN_HELD_OUT = 30;

export interface TunedWeight {
  llm: number;
  /** Macro-recall on the held-out examples for each weight tried, keyed by weight. */
  scores: Record<string, number>;
  heldOut: number;
}

/**
 * The LLM's weight that gives the best macro-recall on held-out examples of the store (ties go to the
 * smaller weight, which costs fewer calls): a small model that does not help on a team's own data is
 * turned down or off, and a larger model that does is given more say. The other parts' weights stay.
 */
export function tuneLlmWeight(labels: readonly string[], heldOut: readonly HeldOut[], weights: Weights): TunedWeight {
  const scores: Record<string, number> = {};
  let best = { llm: weights.llm, score: -1 };
  for (const factor of LLM_WEIGHT_FACTORS) {
    const llm = factor * weights.llm;
    const tried = { ...weights, llm };
    const hits = new Map<string, [number, number]>();
    for (const { gold, opinions } of heldOut) {
      const guess = combine(labels, opinions, tried).label;
      const [correct, total] = hits.get(gold) ?? [0, 0];
      hits.set(gold, [correct + (guess === gold ? 1 : 0), total + 1]);
    }
    const score = [...hits.values()].reduce((a, [c, n]) => a + c / n, 0) / Math.max(1, hits.size);
    scores[String(llm)] = Math.round(score * 1000) / 1000;
    if (score > best.score) best = { llm, score };
  }
  return { llm: best.llm, scores, heldOut: heldOut.length };
}

/**
 * A deterministic, label-stratified sample of indices: up to `size` of them, spread over the labels in
 * proportion, each label keeping most of its examples for training.
 */
export function heldOutSample(targets: readonly string[], size: number): number[] {
  const byLabel = new Map<string, number[]>();
  targets.forEach((t, i) => byLabel.set(t, [...(byLabel.get(t) ?? []), i]));
  const fraction = Math.min(0.2, size / Math.max(1, targets.length));
  const chosen: number[] = [];
  for (const members of byLabel.values()) {
    const take = Math.floor(members.length * fraction);
    // Evenly spaced through the label's examples, so a file sorted by date or source is sampled across.
    for (let k = 0; k < take; k++) chosen.push(members[Math.floor((k * members.length) / take)] ?? 0);
  }
  return chosen.sort((a, b) => a - b);
}
