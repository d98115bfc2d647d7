import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Lineage } from '@parley/contracts';
import type { ChatResponse, Ollama } from 'ollama';
import type { ClassificationInput, ClassificationResult, ClassifierBackend, TokenUsage } from './backend.ts';
import { keywordsOf } from './keywords.ts';
import { callOllama, DEFAULT_NUM_CTX, modelDigest, ollamaClient } from './ollama.ts';
import { buildMessages, PROMPT_VERSION } from './prompt.ts';
import {
  CONFIDENCE_VALUE,
  InvalidReplyError,
  parseReply,
  replyJsonSchema,
  replyValidator,
  sentimentScore,
} from './reply.ts';
import type { Taxonomy } from './taxonomy.ts';
import { errorMessage } from '@parley/service-runtime';

const tracer = trace.getTracer('@parley/classification');

export interface LlmBackendOptions {
  host: string;
  model: string;
  taxonomy: Taxonomy;
  /** Attempts per message when the reply does not validate (the grammar makes this rare). */
  attempts?: number;
  requestTimeoutMs?: number;
  numCtx?: number;
  numPredict?: number;
  seed?: number;
  keepAlive?: string | number;
  /** Told about every chat call that answered, for latency and token metrics. */
  onCall?: (call: { seconds: number; promptTokens: number; outputTokens: number }) => void;
}

/** Labels with a local LLM through Ollama's /api/chat, constrained to the taxonomy by a JSON Schema. */
export class LlmBackend implements ClassifierBackend {
  readonly kind = 'llm' as const;
  private readonly options: LlmBackendOptions;
  private readonly client: Ollama;
  private readonly schema: Record<string, unknown>;
  private readonly validator: ReturnType<typeof replyValidator>;
  private digest: string | undefined;
  /** Running totals over this backend's lifetime. */
  readonly usage: TokenUsage = { calls: 0, promptTokens: 0, outputTokens: 0 };

  constructor(options: LlmBackendOptions) {
    this.options = options;
    this.client = ollamaClient(options.host, options.requestTimeoutMs ?? 120_000);
    this.schema = replyJsonSchema(options.taxonomy);
    this.validator = replyValidator(options.taxonomy);
  }

  /** The model's digest from /api/tags, for lineage and cache keys; unavailable if the model is missing. */
  async modelDigest(): Promise<string> {
    this.digest ??= await modelDigest(this.client, this.options.model);
    return this.digest;
  }

  async lineage(): Promise<Lineage> {
    return {
      backend: 'llm',
      model: this.options.model,
      modelDigest: await this.modelDigest(),
      promptVersion: PROMPT_VERSION,
      taxonomy: this.options.taxonomy.name,
      taxonomyVersion: this.options.taxonomy.version,
    };
  }

  /** The taxonomy, schema and validator for one request: all intents, or the candidates offered. */
  private offered(candidates: readonly string[] | undefined) {
    const intents = candidates && this.options.taxonomy.intents.filter((i) => candidates.includes(i.name));
    // None known (or none given): the whole taxonomy. One is allowed: the intent is then settled, and
    // the model still reads sentiment and language.
    if (!intents || intents.length === 0)
      return { taxonomy: this.options.taxonomy, schema: this.schema, validator: this.validator };
    const taxonomy = { ...this.options.taxonomy, intents };
    return { taxonomy, schema: replyJsonSchema(taxonomy), validator: replyValidator(taxonomy) };
  }

  async classify(input: ClassificationInput): Promise<ClassificationResult> {
    const lineage = await this.lineage();
    const offered = this.offered(input.candidateIntents);
    const messages = buildMessages({
      taxonomy: offered.taxonomy,
      context: input.context,
      text: input.text,
      ...(input.examples && { examples: input.examples }),
    });
    const attempts = this.options.attempts ?? 2;
    let last: InvalidReplyError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const response: ChatResponse = await this.traced(attempt, () =>
        this.client.chat({
          model: this.options.model,
          messages,
          format: offered.schema,
          stream: false,
          keep_alive: this.options.keepAlive ?? '30m',
          options: {
            temperature: 0,
            seed: (this.options.seed ?? 42) + attempt,
            num_predict: this.options.numPredict ?? 64,
            num_ctx: this.options.numCtx ?? DEFAULT_NUM_CTX,
          },
        }),
      );
      this.usage.calls += 1;
      this.usage.promptTokens += response.prompt_eval_count;
      this.usage.outputTokens += response.eval_count;
      try {
        const reply = parseReply(response.message.content, offered.validator);
        return {
          intent: { label: reply.intent, confidence: CONFIDENCE_VALUE[reply.confidence] },
          sentiment: {
            label: reply.sentiment,
            score: sentimentScore(reply.sentiment, reply.intensity),
            confidence: CONFIDENCE_VALUE[reply.confidence],
          },
          language: reply.language === 'other' ? 'und' : reply.language,
          keywords: keywordsOf(input.text),
          lineage,
        };
      } catch (error) {
        if (!(error instanceof InvalidReplyError)) throw error;
        last = error;
      }
    }
    throw last ?? new InvalidReplyError('no reply', '');
  }

  /** One Ollama chat call as a client span, with the model and the tokens it took. */
  private traced(attempt: number, request: () => Promise<ChatResponse>): Promise<ChatResponse> {
    return tracer.startActiveSpan(
      'ollama chat',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.system': 'ollama',
          'gen_ai.request.model': this.options.model,
          'parley.attempt': attempt,
        },
      },
      async (span) => {
        try {
          const started = performance.now();
          const response = await callOllama(request);
          this.options.onCall?.({
            seconds: (performance.now() - started) / 1000,
            promptTokens: response.prompt_eval_count,
            outputTokens: response.eval_count,
          });
          span.setAttribute('gen_ai.usage.input_tokens', response.prompt_eval_count);
          span.setAttribute('gen_ai.usage.output_tokens', response.eval_count);
          return response;
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
