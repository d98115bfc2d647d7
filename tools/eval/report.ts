import { score, type Scores } from './metrics.ts';

export interface TaskReport extends Omit<Scores, 'confusion'> {
  confusion: Scores['confusion'];
  perLanguage: Record<string, { items: number; accuracy: number; macroRecall: number }>;
}

/** Scores of one task over the items that carry its label, overall and per language. */
export function report(
  labels: readonly string[],
  rows: readonly { gold: string | undefined; predicted: string; lang: string }[],
): TaskReport {
  const labelled = rows.filter((r): r is { gold: string; predicted: string; lang: string } => r.gold !== undefined);
  const overall = score(
    labels,
    labelled.map((r) => r.gold),
    labelled.map((r) => r.predicted),
  );
  const perLanguage: TaskReport['perLanguage'] = {};
  for (const lang of [...new Set(labelled.map((r) => r.lang))].sort()) {
    const subset = labelled.filter((r) => r.lang === lang);
    const s = score(
      labels,
      subset.map((r) => r.gold),
      subset.map((r) => r.predicted),
    );
    perLanguage[lang] = { items: subset.length, accuracy: s.accuracy, macroRecall: s.macroRecall };
  }
  return { ...overall, perLanguage };
}
