import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { GenerateResponse, Ollama } from 'ollama';
import { z } from 'zod';
import { callOllama, DEFAULT_NUM_CTX, modelDigest, ollamaClient } from './ollama.ts';
import { errorMessage } from '@parley/service-runtime';

const tracer = trace.getTracer('@parley/classification');

export interface LabelScorerOptions {
  host: string;
  model: string;
  requestTimeoutMs?: number;
  numCtx?: number;
  /** Alternatives Ollama reports per position; labels outside them get no probability from that step. */
  topLogprobs?: number;
  keepAlive?: string | number;
  /** Told about every completion call, for latency and token metrics. */
  onCall?: (call: { seconds: number; promptTokens: number; outputTokens: number }) => void;
}

const Alternative = z.object({ token: z.string(), logprob: z.number() });
const Scored = z.object({
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  logprobs: z.array(z.object({ token: z.string(), logprob: z.number(), top_logprobs: z.array(Alternative) })).min(1),
});

/** How far a label is followed token by token before the remaining mass is shared by what is left. */
const MAX_DEPTH = 6;
/** Follow-up calls per scoring beyond the first: shared prefixes are followed likeliest first. */
const MAX_FOLLOW_UPS = 4;
/** A shared prefix less likely than this is not followed; its mass is shared by its labels. */
const MIN_FOLLOWED = 0.02;

/**
 * Scores each candidate label as the continuation of a completion prompt, with the next-token
 * log-probabilities Ollama returns: a probability per label that the model assigns, not a word it
 * happened to write. Labels are followed through the model's own tokens: where several labels begin
 * with the same token ("card_arrival", "card_linking"), the prompt is extended by that token and asked
 * again (Ollama's prompt cache makes the follow-up calls cheap). Raw completion: works for base models.
 */
export class LabelScorer {
  private readonly options: LabelScorerOptions;
  private readonly client: Ollama;
  private digest: string | undefined;
  readonly usage = { calls: 0, promptTokens: 0, outputTokens: 0 };

  constructor(options: LabelScorerOptions) {
    this.options = options;
    this.client = ollamaClient(options.host, options.requestTimeoutMs ?? 120_000);
  }

  async modelDigest(): Promise<string> {
    this.digest ??= await modelDigest(this.client, this.options.model);
    return this.digest;
  }

  /**
   * A probability per label (summing to 1 over `labels`) that the text after `prompt` is ` <label>`.
   * `surface` maps a label to the words the prompt's examples use for it (default: the label itself).
   */
  async score(
    prompt: string,
    labels: readonly string[],
    surface?: (label: string) => string,
  ): Promise<Map<string, number>> {
    const mass = new Map(labels.map((l) => [l, 0]));
    const pending = labels.map((label) => ({ label, rest: ` ${(surface ?? ((l: string) => l))(label)}` }));
    await this.follow(prompt, pending, 1, 0, mass, { followUps: MAX_FOLLOW_UPS });
    const total = [...mass.values()].reduce((a, b) => a + b, 0);
    // Nothing matched (a model that wants to write something else): no opinion, a uniform answer.
    if (total <= 0) return new Map(labels.map((l) => [l, 1 / labels.length]));
    return new Map([...mass].map(([l, m]) => [l, m / total]));
  }

  private async follow(
    prompt: string,
    pending: readonly { label: string; rest: string }[],
    weight: number,
    depth: number,
    mass: Map<string, number>,
    budget: { followUps: number },
  ): Promise<void> {
    if (pending.length === 1 || depth >= MAX_DEPTH || (depth > 0 && (weight < MIN_FOLLOWED || budget.followUps <= 0))) {
      for (const p of pending) mass.set(p.label, (mass.get(p.label) ?? 0) + weight / pending.length);
      return;
    }
    if (depth > 0) budget.followUps -= 1;
    const alternatives = await this.next(prompt);
    const shared: { token: string; matching: { label: string; rest: string }[]; share: number }[] = [];
    // Tokens are matched on their text; a token that is a prefix of several labels' remaining text is
    // followed further, one that ends or spells out a single label is that label's share.
    const seen = new Set<string>();
    for (const { token, logprob } of alternatives) {
      if (token === '' || seen.has(token)) continue;
      seen.add(token);
      const matching = pending.flatMap((p) => {
        const rest = afterToken(p.rest, token);
        return rest === undefined ? [] : [{ label: p.label, rest }];
      });
      if (matching.length === 0) continue;
      const share = Math.exp(logprob) * weight;
      const complete = matching.filter((m) => m.rest === '');
      if (matching.length === 1 || complete.length > 0) {
        // One label left, or the token ends a label ("refund" against "refund_status"): the label's share.
        const winners = complete.length > 0 ? complete : matching;
        for (const w of winners) mass.set(w.label, (mass.get(w.label) ?? 0) + share / winners.length);
        continue;
      }
      shared.push({ token, matching, share });
    }
    for (const { token, matching, share } of shared.sort((a, b) => b.share - a.share))
      await this.follow(prompt + token, matching, share, depth + 1, mass, budget);
  }

  /** One completion step: the next token's most likely alternatives. */
  private async next(prompt: string): Promise<z.infer<typeof Alternative>[]> {
    return tracer.startActiveSpan(
      'ollama generate',
      { kind: SpanKind.CLIENT, attributes: { 'gen_ai.system': 'ollama', 'gen_ai.request.model': this.options.model } },
      async (span) => {
        try {
          const started = performance.now();
          const response: GenerateResponse = await callOllama(() =>
            this.client.generate({
              model: this.options.model,
              prompt,
              raw: true,
              stream: false,
              logprobs: true,
              top_logprobs: this.options.topLogprobs ?? 20,
              keep_alive: this.options.keepAlive ?? '30m',
              options: { temperature: 0, num_predict: 1, num_ctx: this.options.numCtx ?? DEFAULT_NUM_CTX },
            }),
          );
          const answer = Scored.parse(response);
          const promptTokens = answer.prompt_eval_count ?? 0;
          const outputTokens = answer.eval_count ?? 1;
          this.usage.calls += 1;
          this.usage.promptTokens += promptTokens;
          this.usage.outputTokens += outputTokens;
          this.options.onCall?.({ seconds: (performance.now() - started) / 1000, promptTokens, outputTokens });
          span.setAttribute('gen_ai.usage.input_tokens', promptTokens);
          return answer.logprobs[0]?.top_logprobs ?? [];
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}

/**
 * What remains of `rest` after `token`, or undefined if the token does not begin it. Case is ignored (a
 * model that writes "Negative" means "negative"); the token may carry or drop the leading space.
 */
function afterToken(rest: string, token: string): string | undefined {
  const r = rest.toLowerCase();
  const t = token.toLowerCase();
  if (r.startsWith(t)) return rest.slice(t.length);
  if (!t.startsWith(' ') && r.startsWith(` ${t}`)) return rest.slice(t.length + 1);
  return undefined;
}
