import {
  classificationRecord,
  classifiedMessageOf,
  deadLetterRecord,
  TOPICS,
  type ClassificationV1,
  type ClassifiedMessage,
  type MatrixEventV1,
  type TopicRecord,
} from '@parley/contracts';
import { LRUCache } from 'lru-cache';
import type { ClassificationResult, ClassifierBackend } from './backend.ts';
import { cacheKey } from './cache-key.ts';
import { boundContext, type ContextTurn } from './prompt.ts';
import { InvalidReplyError } from './reply.ts';

export interface MessageClassifierOptions {
  backend: ClassifierBackend;
  /** Earlier messages per room given as context (0 turns it off). */
  contextTurns: number;
  contextTokens: number;
  /** Rooms whose recent messages are remembered; the least recently active are forgotten. */
  maxRooms: number;
  cacheSize: number;
  /** Where "source" of the CloudEvents points. */
  source: string;
  /** Output topics; default to the contract's names. */
  topics?: { classifications: string; deadLetters: string };
  now?: () => Date;
}

interface Remembered {
  message: ClassifiedMessage;
  role: ContextTurn['role'];
}

export interface ClassifierStats {
  cacheHits: number;
  cacheMisses: number;
}

/**
 * Normalised Matrix events in, classification records out: a label for each message (re-labelled
 * when edited), a retraction when one is redacted, nothing for other kinds. Conversation context comes
 * from a bounded per-room memory of recent messages. A reply the model cannot make valid goes to the
 * dead-letter topic; an unavailable backend throws, for the caller to wait and retry.
 */
export class MessageClassifier {
  private readonly options: MessageClassifierOptions;
  private readonly rooms: LRUCache<string, Remembered[]>;
  private readonly cache: LRUCache<string, ClassificationResult>;
  private readonly now: () => Date;
  readonly stats: ClassifierStats = { cacheHits: 0, cacheMisses: 0 };

  constructor(options: MessageClassifierOptions) {
    this.options = options;
    this.rooms = new LRUCache({ max: options.maxRooms });
    this.cache = new LRUCache({ max: options.cacheSize });
    this.now = options.now ?? (() => new Date());
  }

  async handle(event: MatrixEventV1): Promise<TopicRecord[]> {
    switch (event.kind) {
      case 'message':
        // A bridge's own notice in a ghost's name ("Failed to bridge photo, …") is not the customer's words.
        if (event.message?.msgtype === 'm.notice' && event.sender.isBridgeGhost) return [];
        return this.label(this.messageOf(event, event.eventId), event.eventId);
      case 'edit': {
        const target = event.relation?.eventId;
        if (!target) return [];
        const original = this.find(event.roomId, target);
        const message: ClassifiedMessage = {
          ...(original ?? this.messageOf(event, target)),
          text: event.message?.text ?? '',
        };
        this.remember(message, event.sender.side);
        return this.label(message, event.eventId);
      }
      case 'redaction': {
        const target = event.redacts;
        if (!target) return [];
        const original = this.find(event.roomId, target) ?? {
          ...this.messageOf(event, target),
          msgtype: 'unknown',
          text: '',
        };
        this.forget(event.roomId, target);
        const value: ClassificationV1 = {
          schemaVersion: 1,
          kind: 'retraction',
          id: `${target}/${event.eventId}`,
          sourceEventId: event.eventId,
          message: original,
          classifiedAt: this.now().toISOString(),
        };
        return [this.record(value)];
      }
      default:
        return [];
    }
  }

  private messageOf(event: MatrixEventV1, eventId: string): ClassifiedMessage {
    return classifiedMessageOf(event, eventId);
  }

  private async label(message: ClassifiedMessage, sourceEventId: string): Promise<TopicRecord[]> {
    const context = boundContext(
      (this.rooms.get(message.roomId) ?? [])
        .filter((r) => r.message.eventId !== message.eventId)
        .slice(-this.options.contextTurns)
        .map((r) => ({ role: r.role, text: r.message.text })),
      this.options.contextTurns === 0 ? 0 : this.options.contextTokens,
    );
    this.remember(message, message.sender.side);
    let result: ClassificationResult;
    try {
      result = await this.classify(message.text, context);
    } catch (error) {
      if (!(error instanceof InvalidReplyError)) throw error;
      return [this.deadLetter(message, sourceEventId, error)];
    }
    const value: ClassificationV1 = {
      schemaVersion: 1,
      kind: 'label',
      id: `${message.eventId}/${sourceEventId}`,
      sourceEventId,
      message,
      classifiedAt: this.now().toISOString(),
      intent: result.intent,
      sentiment: result.sentiment,
      language: result.language,
      keywords: result.keywords,
      lineage: result.lineage,
      ...(result.needsReview !== undefined && { needsReview: result.needsReview }),
    };
    return [this.record(value)];
  }

  private async classify(text: string, context: ContextTurn[]): Promise<ClassificationResult> {
    const lineage = await this.options.backend.lineage();
    if (text.trim() === '') {
      // Media without a caption, a location without a description: nothing to read, not an error.
      return {
        intent: { label: 'other', confidence: 0 },
        sentiment: { label: 'neutral', score: 0, confidence: 0 },
        language: 'und',
        keywords: [],
        lineage,
      };
    }
    const key = cacheKey({
      text,
      context: context.map((t) => `${t.role}:${t.text}`).join('\n'),
      taxonomy: lineage.taxonomy,
      taxonomyVersion: lineage.taxonomyVersion,
      modelDigest: lineage.modelDigest,
      promptVersion: lineage.promptVersion,
    });
    const cached = this.cache.get(key);
    if (cached) {
      this.stats.cacheHits += 1;
      return cached;
    }
    this.stats.cacheMisses += 1;
    const result = await this.options.backend.classify({ text, context });
    this.cache.set(key, result);
    return result;
  }

  private remember(message: ClassifiedMessage, side: ClassifiedMessage['sender']['side']): void {
    const list = this.rooms.get(message.roomId) ?? [];
    const existing = list.findIndex((r) => r.message.eventId === message.eventId);
    const entry = { message, role: side === 'customer' ? ('customer' as const) : ('agent' as const) };
    if (existing >= 0) list[existing] = entry;
    else list.push(entry);
    // Enough for context and for edits/redactions of recent messages; older ones fall off.
    while (list.length > Math.max(this.options.contextTurns, 20) + 1) list.shift();
    this.rooms.set(message.roomId, list);
  }

  private find(roomId: string, eventId: string): ClassifiedMessage | undefined {
    return this.rooms.get(roomId)?.find((r) => r.message.eventId === eventId)?.message;
  }

  private forget(roomId: string, eventId: string): void {
    const list = this.rooms.get(roomId);
    if (list)
      this.rooms.set(
        roomId,
        list.filter((r) => r.message.eventId !== eventId),
      );
  }

  private record(value: ClassificationV1): TopicRecord {
    return classificationRecord(value, this.options.source, this.options.topics?.classifications);
  }

  private deadLetter(message: ClassifiedMessage, sourceEventId: string, error: InvalidReplyError): TopicRecord {
    return deadLetterRecord({
      topic: this.options.topics?.deadLetters ?? TOPICS.classificationsDlq,
      key: message.roomId,
      id: `${message.eventId}/${sourceEventId}/dlq`,
      producer: this.options.source,
      subject: message.roomId,
      value: {
        reason: 'invalid_reply',
        error: error.message,
        stage: 'classifier',
        source: { topic: TOPICS.matrixEvents },
        raw: { eventId: message.eventId, sourceEventId, reply: error.raw },
        failedAt: this.now().toISOString(),
      },
    });
  }
}
