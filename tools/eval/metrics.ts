/** Classification metrics over parallel arrays of gold and predicted labels. */
export interface Scores {
  accuracy: number;
  macroRecall: number;
  macroF1: number;
  perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: Record<string, Record<string, number>>;
}

export function score(labels: readonly string[], gold: readonly string[], predicted: readonly string[]): Scores {
  const confusion: Record<string, Record<string, number>> = {};
  for (const g of labels) confusion[g] = Object.fromEntries(labels.map((p) => [p, 0]));
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i] ?? '';
    if (g === p) correct += 1;
    const row = (confusion[g] ??= {});
    row[p] = (row[p] ?? 0) + 1;
  });
  const perLabel: Scores['perLabel'] = {};
  const present = labels.filter((l) => gold.includes(l));
  for (const label of present) {
    const tp = confusion[label]?.[label] ?? 0;
    const support = gold.filter((g) => g === label).length;
    const predictedAs = predicted.filter((p) => p === label).length;
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    perLabel[label] = {
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      support,
    };
  }
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macroRecall: mean(Object.values(perLabel).map((m) => m.recall)),
    macroF1: mean(Object.values(perLabel).map((m) => m.f1)),
    perLabel,
    confusion,
  };
}
