import { createHash } from 'node:crypto';
import { Sentiment, SENTIMENTS, type Lineage } from '@parley/contracts';
import type { ClassificationInput, ClassificationResult, ClassifierBackend } from './backend.ts';
import { combine, topLabels, type Decision, type PartName, type Weights } from './combine.ts';
import { dot, type Embedder } from './embedder.ts';
import type { LabelledExample } from './examples.ts';
import { keywordsOf } from './keywords.ts';
import type { LanguageDetector } from './language.ts';
import type { LabelScorer } from './label-scorer.ts';
import { KeywordIntents, LEXICON_VERSION, vaderCompound, vaderDistribution } from './lexicon.ts';
import {
  scoringPrefix,
  scoringPrompt,
  SCORING_PROMPT_VERSION,
  type Demonstration,
  type Task,
} from './scoring-prompt.ts';
import { SoftmaxHead } from './softmax-head.ts';
import type { Taxonomy } from './taxonomy.ts';
import { heldOutSample, MIN_HELD_OUT, tuneLlmWeight, type HeldOut, type TunedWeight } from './weight-tuning.ts';

export interface HybridOptions {
  taxonomy: Taxonomy;
  examples: readonly LabelledExample[];
  /** The LLM part (label scoring through Ollama); absent: switched off. */
  scorer?: { scorer: LabelScorer; model: string };
  /** The examples part (embeddings of the example store); absent: switched off. */
  embedder?: Embedder;
  lexicon: boolean;
  weights: Weights;
  /** Labelled examples shown to the LLM (at least one per label): the same for every message. */
  demonstrations: number;
  /** The LLM is asked only when the other parts' combined confidence is below this (1: always). */
  llmGate: number;
  /** Intents offered to the LLM when the taxonomy has more: the likeliest by the other parts. */
  candidates: number;
  /** Below this combined intent confidence the label is `other` and the message needs review. */
  abstainBelow: number;
  /** Languages the embedding model and the lexicon read (BCP 47); elsewhere only the LLM decides. */
  englishOnlyParts: readonly string[];
  languages: LanguageDetector;
  /**
   * Held-out store examples per task on which the LLM's weight is chosen at start-up (0: the configured
   * weight as it is). Stores too small to hold out enough keep the configured weight.
   */
  tuneWith: number;
}

interface Indexed {
  example: LabelledExample;
  vector: Float32Array | undefined;
}

/**
 * Intent and sentiment from three parts, each of which can be switched off: the LLM scoring each label
 * after labelled examples (the centre: a bigger model makes it better), a classifier learned from the
 * example store's embeddings, and the lexicon. The LLM is asked when the other parts are unsure. Their probabilities are combined into
 * one decision with a confidence; an intent below the threshold becomes `other` with `needsReview`.
 */
export class HybridBackend implements ClassifierBackend {
  readonly kind: Lineage['backend'];
  private readonly options: HybridOptions;
  private readonly keywords: KeywordIntents;
  private readonly intents: string[];
  private store: Indexed[] = [];
  private heads: Partial<Record<Task, SoftmaxHead>> = {};
  /** The weights in use per task: the configured ones, with the LLM's tuned on held-out examples. */
  private weights: Record<Task, Weights>;
  private tuned: Partial<Record<Task, TunedWeight>> = {};
  private prefix = '';
  private demonstrated: Record<Task, boolean> = { intent: false, sentiment: false };
  /** The LLM's leaning per task with no message to read, measured once per prompt prefix. */
  private leaning: Partial<Record<Task, Promise<Map<string, number>>>> = {};
  private prepared: Promise<void> | undefined;
  private lineageValue: Lineage | undefined;

  constructor(options: HybridOptions) {
    this.options = options;
    this.kind = options.scorer ? 'llm' : 'baseline';
    this.keywords = new KeywordIntents(options.taxonomy);
    this.intents = options.taxonomy.intents.map((i) => i.name);
    this.weights = { intent: options.weights, sentiment: options.weights };
  }

  /** What start-up tuning chose for each task it tuned (for logs and evaluation reports). */
  tuning(): Partial<Record<Task, TunedWeight>> {
    return this.tuned;
  }

  /** Embeds the example store and trains the heads; once, on first use (or call it at start-up). */
  prepare(): Promise<void> {
    this.prepared ??= this.build().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async build(): Promise<void> {
    const { embedder, examples, scorer } = this.options;
    const vectors = embedder ? await embedder.embed(examples.map((e) => e.text)) : [];
    this.store = examples.map((example, i) => ({ example, vector: vectors[i] }));
    const demonstrations = this.chooseDemonstrations();
    this.demonstrated = {
      intent: demonstrations.some((d) => d.intent !== undefined),
      sentiment: demonstrations.some((d) => d.sentiment !== undefined),
    };
    this.prefix = scoringPrefix(this.options.taxonomy, demonstrations);
    const shown = new Set(demonstrations.map((d) => d.text));
    for (const task of ['sentiment', 'intent'] as const) {
      const labelled = this.store.filter((s) => s.example[task] !== undefined);
      if (scorer && this.options.weights.llm > 0 && this.options.tuneWith > 0 && this.demonstrated[task]) {
        // Demonstrations are in every prompt: the LLM would be read its own answer.
        const candidates = labelled.filter((s) => !shown.has(s.example.text));
        const held = new Set(
          heldOutSample(
            candidates.map((s) => String(s.example[task])),
            this.options.tuneWith,
          ).map((i) => candidates[i]),
        );
        if (held.size >= MIN_HELD_OUT) {
          const head = this.fitHead(
            task,
            labelled.filter((s) => !held.has(s)),
          );
          this.tuned[task] = await this.tune(
            task,
            [...held].filter((s) => s !== undefined),
            head,
          );
          this.weights[task] = { ...this.options.weights, llm: this.tuned[task].llm };
        }
      }
      const head = this.fitHead(task, labelled);
      if (head) this.heads[task] = head;
    }
  }

  /** The examples part of a task: a softmax head on the store's embeddings; none without two labels. */
  private fitHead(task: Task, labelled: readonly Indexed[]): SoftmaxHead | undefined {
    const usable = labelled.filter((s) => s.vector);
    if (!this.options.embedder || new Set(usable.map((s) => s.example[task])).size < 2) return undefined;
    // Fewer passes over a large store: its size gives the steps that a small one gets from repetition.
    const epochs = Math.max(10, Math.min(30, Math.round(60_000 / usable.length)));
    return SoftmaxHead.fit(
      usable.map((s) => s.vector ?? new Float32Array()),
      usable.map((s) => String(s.example[task])),
      { epochs, balanced: true },
    );
  }

  /** Each held-out example decided as a message would be (gate included), then the LLM weight chosen. */
  private async tune(task: Task, held: readonly Indexed[], head: SoftmaxHead | undefined): Promise<TunedWeight> {
    const labels = task === 'sentiment' ? SENTIMENTS : this.intents;
    const weights = this.options.weights;
    const decided: HeldOut[] = [];
    // Two at a time: Ollama serves two requests in parallel by default, and start-up is what waits.
    for (let start = 0; start < held.length; start += 2) {
      const batch = held.slice(start, start + 2).map(async ({ example, vector }) => {
        const input = { text: example.text, context: [] };
        const readable = this.readable(this.options.languages.detect(example.text));
        const opinions = this.otherOpinions(task, input.text, readable, vector, head);
        const prior = combine(labels, opinions, weights);
        if (prior.parts.length === 0 || prior.confidence < this.options.llmGate) {
          const answered: Partial<Record<Task, string>> =
            task === 'intent' && this.demonstrated.sentiment ? { sentiment: example.sentiment ?? 'neutral' } : {};
          opinions.llm = await this.llmOpinion(task, labels, input, answered, prior.distribution);
        }
        return { gold: String(example[task]), opinions };
      });
      decided.push(...(await Promise.all(batch)));
    }
    return tuneLlmWeight(labels, decided, weights);
  }

  async lineage(): Promise<Lineage> {
    // The tuned weights are part of what made a label.
    await this.prepare();
    if (this.lineageValue) return this.lineageValue;
    const { scorer, embedder, taxonomy } = this.options;
    const parts: PartName[] = [];
    if (scorer) parts.push('llm');
    if (embedder) parts.push('examples');
    if (this.options.lexicon) parts.push('lexicon');
    const storeDigest = createHash('sha256')
      .update(JSON.stringify(this.options.examples.map((e) => [e.text, e.intent, e.sentiment])))
      .digest('hex')
      .slice(0, 12);
    const settings = JSON.stringify([
      this.weights.intent,
      this.weights.sentiment,
      this.options.demonstrations,
      this.options.llmGate,
      this.options.candidates,
      this.options.abstainBelow,
    ]);
    this.lineageValue = {
      backend: this.kind,
      model: scorer?.model ?? 'baseline',
      modelDigest: scorer ? await scorer.scorer.modelDigest() : LEXICON_VERSION,
      promptVersion: `${SCORING_PROMPT_VERSION}+examples-${storeDigest}+${createHash('sha256').update(settings).digest('hex').slice(0, 8)}`,
      taxonomy: taxonomy.name,
      taxonomyVersion: taxonomy.version,
      parts,
      ...(embedder && { embeddingModel: await embedder.id() }),
    };
    return this.lineageValue;
  }

  async classify(input: ClassificationInput): Promise<ClassificationResult> {
    await this.prepare();
    const lineage = await this.lineage();
    const language = this.options.languages.detect(input.text);
    const readable = this.readable(language);
    const vector = this.options.embedder && readable ? (await this.options.embedder.embed([input.text]))[0] : undefined;
    const sentiment = await this.decide(
      'sentiment',
      SENTIMENTS,
      input,
      {},
      this.otherOpinions('sentiment', input.text, readable, vector, this.heads.sentiment),
    );
    const intent = await this.decide(
      'intent',
      this.intents,
      input,
      this.demonstrated.sentiment ? { sentiment: sentiment.label } : {},
      this.otherOpinions('intent', input.text, readable, vector, this.heads.intent),
    );
    const needsReview = intent.confidence < this.options.abstainBelow;
    const fallback = this.intents.includes('other') ? 'other' : intent.label;
    const p = (label: Sentiment) => sentiment.distribution.get(label) ?? 0;
    return {
      intent: { label: needsReview ? fallback : intent.label, confidence: round(intent.confidence) },
      sentiment: {
        label: Sentiment.parse(sentiment.label),
        score: round(p('positive') - p('negative')),
        confidence: round(sentiment.confidence),
      },
      language,
      keywords: keywordsOf(input.text),
      lineage: { ...lineage, parts: [...new Set([...intent.parts, ...sentiment.parts])] },
      needsReview,
    };
  }

  /**
   * One task: the other parts first; when they are unsure (below the gate) the LLM scores the labels
   * they rank highest, and everything is combined.
   */
  private async decide(
    task: Task,
    labels: readonly string[],
    input: ClassificationInput,
    answered: Partial<Record<Task, string>>,
    opinions: Partial<Record<PartName, Map<string, number>>>,
  ): Promise<Decision> {
    const weights = this.weights[task];
    const prior = combine(labels, opinions, weights);
    const unsure = prior.parts.length === 0 || prior.confidence < this.options.llmGate;
    // A task the store has no labelled examples of is not shown in the prompt, and a small model scoring
    // a format it was never shown is guessing: the LLM is asked only about demonstrated tasks.
    if (this.options.scorer && weights.llm > 0 && unsure && this.demonstrated[task]) {
      opinions.llm = await this.llmOpinion(task, labels, input, answered, prior.distribution);
    }
    return combine(labels, opinions, weights);
  }

  /**
   * The embedding model and VADER read English; for a message known to be in another language they
   * would only add noise, and the LLM decides alone.
   */
  private readable(language: string): boolean {
    const parts = this.options.englishOnlyParts;
    return language === 'und' || parts.includes('*') || parts.includes(language);
  }

  /** What the examples and lexicon parts say about a task; nothing about a message they cannot read. */
  private otherOpinions(
    task: Task,
    text: string,
    readable: boolean,
    vector: Float32Array | undefined,
    head: SoftmaxHead | undefined,
  ): Partial<Record<PartName, Map<string, number>>> {
    if (!readable) return {};
    return {
      ...(vector && head && { examples: head.predict(vector) }),
      ...(this.options.lexicon && {
        lexicon: task === 'sentiment' ? vaderDistribution(vaderCompound(text)) : this.keywords.distribution(text),
      }),
    };
  }

  /** The LLM's calibrated probabilities for the labels the other parts rank highest. */
  private async llmOpinion(
    task: Task,
    labels: readonly string[],
    input: ClassificationInput,
    answered: Partial<Record<Task, string>>,
    prior: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    const scorer = this.options.scorer?.scorer;
    if (!scorer) return new Map();
    const candidates = labels.length <= this.options.candidates ? labels : topLabels(prior, this.options.candidates);
    const [scores, leaning] = await Promise.all([
      scorer.score(scoringPrompt(this.prefix, input, task, answered), candidates),
      this.leaningOf(task, labels, answered),
    ]);
    return calibrated(scores, leaning);
  }

  /**
   * What the model answers for a message with no content ("N/A"): its bias toward labels that the
   * demonstrations, their order or the label words favour. Dividing by it ("calibrate before use",
   * Zhao et al. 2021) is what lets a small model's scores count; without it SmolLM2 never says neutral.
   */
  private leaningOf(task: Task, labels: readonly string[], answered: Partial<Record<Task, string>>) {
    const scorer = this.options.scorer?.scorer;
    if (!scorer) return Promise.resolve(new Map<string, number>());
    const placeholder = Object.keys(answered).length > 0 ? { sentiment: 'neutral' } : {};
    this.leaning[task] ??= scorer
      .score(scoringPrompt(this.prefix, { text: 'N/A', context: [] }, task, placeholder), labels)
      .catch((error: unknown) => {
        this.leaning[task] = undefined;
        throw error;
      });
    return this.leaning[task];
  }

  /**
   * The examples every prompt shows: for each label of each task, the store's most typical examples
   * (nearest the label's mean embedding; without embeddings, the first), as many as the budget allows
   * and at least one, so the model sees every label in use. Examples that carry both labels come first.
   */
  private chooseDemonstrations(): Demonstration[] {
    const chosen = new Set<Indexed>();
    for (const task of ['sentiment', 'intent'] as const) {
      const byLabel = new Map<string, Indexed[]>();
      for (const s of this.store) {
        const label = s.example[task];
        if (label === undefined) continue;
        byLabel.set(label, [...(byLabel.get(label) ?? []), s]);
      }
      if (byLabel.size === 0) continue;
      const perLabel = Math.max(1, Math.floor(this.options.demonstrations / byLabel.size / 2));
      for (const members of byLabel.values()) {
        const ranked = typicalFirst(members);
        for (const s of ranked.slice(0, perLabel)) chosen.add(s);
      }
    }
    // Shuffled deterministically: grouped by label, a small model would continue the last group's label.
    return [...chosen]
      .map((s, i) => ({ s, order: (i * 2654435761) % 4294967296 }))
      .sort((a, b) => a.order - b.order)
      .map(({ s }) => ({
        text: s.example.text,
        ...(s.example.intent !== undefined && { intent: s.example.intent }),
        ...(s.example.sentiment !== undefined && { sentiment: s.example.sentiment }),
      }));
  }
}

/** Scores divided by the model's leaning and renormalised; a label without a leaning is left as it is. */
function calibrated(scores: ReadonlyMap<string, number>, leaning: ReadonlyMap<string, number>): Map<string, number> {
  const adjusted = [...scores].map(([label, p]) => [label, p / Math.max(leaning.get(label) ?? 1, 1e-3)] as const);
  const total = adjusted.reduce((a, [, v]) => a + v, 0);
  return new Map(adjusted.map(([label, v]) => [label, total > 0 ? v / total : 1 / adjusted.length]));
}

/** Members nearest their mean embedding first (both labels before one); without vectors, as given. */
function typicalFirst(members: readonly Indexed[]): Indexed[] {
  const both = (s: Indexed) => (s.example.intent !== undefined && s.example.sentiment !== undefined ? 1 : 0);
  const withVectors = members.filter((m) => m.vector);
  if (withVectors.length === 0) return [...members].sort((a, b) => both(b) - both(a));
  const dim = withVectors[0]?.vector?.length ?? 0;
  const mean = new Float32Array(dim);
  for (const m of withVectors) for (let d = 0; d < dim; d++) mean[d] = (mean[d] ?? 0) + (m.vector?.[d] ?? 0);
  return [...members].sort(
    (a, b) =>
      both(b) - both(a) || (b.vector ? dot(mean, b.vector) : -Infinity) - (a.vector ? dot(mean, a.vector) : -Infinity),
  );
}

const round = (n: number) => Math.round(n * 1000) / 1000;
