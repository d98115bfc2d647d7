import { defaultTaxonomyPath, loadExamples, loadTaxonomy } from '@parley/classification';
import { SENTIMENTS } from '@parley/contracts';
import type { EvalInput } from './datasets.ts';

/**
 * A team's own labelled JSONL (or YAML) file: the tasks measured are those the file labels; the
 * taxonomy and example store are the service's (PARLEY_TAXONOMY_FILE, PARLEY_EXAMPLES_FILES).
 */
export function fileInput(path: string): EvalInput {
  const examples = loadExamples(path);
  const taxonomy = loadTaxonomy(process.env['PARLEY_TAXONOMY_FILE'] ?? defaultTaxonomyPath());
  const intents = taxonomy.intents.map((i) => i.name);
  const unknown = [...new Set(examples.flatMap((e) => (e.intent && !intents.includes(e.intent) ? [e.intent] : [])))];
  if (unknown.length > 0)
    throw new Error(
      `${path}: intents not in taxonomy ${taxonomy.name}: ${unknown.join(', ')} (set PARLEY_TAXONOMY_FILE)`,
    );
  const hasIntent = examples.some((e) => e.intent !== undefined);
  const hasSentiment = examples.some((e) => e.sentiment !== undefined);
  return {
    name: path,
    selection: `all ${examples.length} items`,
    items: examples.map((e) => ({
      text: e.text,
      ...(e.intent && { intent: e.intent }),
      ...(e.sentiment && { sentiment: e.sentiment }),
      ...(e.lang && { lang: e.lang }),
      ...(e.conversation && { conversation: e.conversation }),
    })),
    labels: { ...(hasIntent && { intent: intents }), ...(hasSentiment && { sentiment: [...SENTIMENTS] }) },
  };
}
