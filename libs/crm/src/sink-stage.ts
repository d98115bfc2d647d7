import {
  ConversationV1,
  IdentityDecisionV1,
  identityDecisionKey,
  RoomStateV1,
  type TopicRecord,
} from '@parley/contracts';
import { Evidence, IdentityGraph } from '@parley/identity';
import {
  ConversationTracker,
  PeopleLedger,
  type ConversationChange,
  type ConversationInput,
} from '@parley/conversations';
import { CompactedTopicMap, TopicFollower, type WorkerContext } from '@parley/kafka';
import type { Logger } from '@parley/service-runtime';
import type { KafkaMessage } from 'kafkajs';
import { RoomMemory } from './conversations.ts';
import { CrmSync, IDENTITY_KEY_PREFIX, ROOM_KEY_PREFIX } from './crm-sync.ts';
import type { FollowUpConfig } from './follow-up-rules.ts';
import { CrmPlanner } from './planner.ts';
import type { CrmTarget } from './records.ts';

export interface SinkStageOptions {
  target: CrmTarget;
  /**
   * Makes the target ready before the first write (Twenty's schema bootstrap). Its answer is a note
   * for `/readyz` ("" or why the schema was not checked); a throw is retried with the connection.
   */
  prepareTarget?: () => Promise<string>;
  /** While true, `/readyz` keeps the preparation's note (a schema not yet checked). */
  preparationPending?: () => boolean;
  followUps: FollowUpConfig;
  /** Link to a conversation; {roomId} and {eventId} are filled in. */
  conversationUrl: string;
  /**
   * conversations: where conversations with their metrics go (and are restored from); absent: none.
   * identityDecisions: operators' decisions linking or separating contacts, read whole and followed.
   */
  topics: {
    input: string;
    state: string;
    deadLetters: string;
    rooms: string;
    conversations?: string;
    identityDecisions?: string;
  };
  source: string;
  logger: Logger;
  readiness: { report(name: string, ready: boolean, detail: string): void };
  stopping: () => boolean;
  /** Publishes what the timers produce (renamed rooms, due follow-ups) outside a consumed run. */
  publish: (records: TopicRecord[]) => Promise<unknown>;
  onOutcome?: (outcome: 'written' | 'dead_letter', count: number) => void;
  /** Sees every conversation change (its Prometheus metrics). */
  onConversations?: (changes: readonly ConversationChange[]) => void;
  /** Sees every labelled message (what customers write about, for metrics). */
  onMessages?: (inputs: readonly ConversationInput[]) => void;
  /** How often rooms gone quiet are checked for unanswered customers. */
  followUpCheckMs: number;
  now?: () => number;
}

/**
 * crm-sink as a stream stage: once Kafka answers it prepares the target, restores the room memories
 * from the compacted state topic and follows room names; then each consumed run goes through CrmSync.
 * Two timers publish outside the runs: a room's name that arrives after its messages renames their
 * records, and rooms gone quiet raise follow-ups once input has caught up.
 */
export class SinkStage {
  private readonly options: SinkStageOptions;
  private readonly now: () => number;
  private sync: CrmSync | undefined;
  private conversations: ConversationTracker | undefined;
  private people: PeopleLedger | undefined;
  private rooms: TopicFollower<RoomStateV1> | undefined;
  private decisions: TopicFollower<IdentityDecisionV1> | undefined;
  private identities: IdentityGraph | undefined;
  /** The rules file's decisions, by pair: what a withdrawn decision of the topic falls back to. */
  private readonly configDecisions: Map<string, IdentityDecisionV1>;
  private renameTimer: NodeJS.Timeout | undefined;
  private readonly dueTimer: NodeJS.Timeout;
  private lastInputAt = 0;
  private note = '';

  constructor(options: SinkStageOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.configDecisions = new Map(
      options.followUps.identities.map((rule) => [
        identityDecisionKey(rule.a, rule.b),
        { schemaVersion: 1, ...rule, by: 'config', at: new Date(0).toISOString() },
      ]),
    );
    // Checked by the wall clock once input has caught up: a replay of old history must not raise tasks
    // its later messages would have prevented.
    this.dueTimer = setInterval(() => {
      this.flushDue();
    }, options.followUpCheckMs);
  }

  /** Open conversations held, by channel (none before start-up or with conversations off). */
  openConversations(): Map<string, number> {
    return this.conversations?.openByChannel() ?? new Map<string, number>();
  }

  /** Whether start-up is done and runs are being written. */
  get consuming(): boolean {
    return this.sync !== undefined;
  }

  /** The worker's start-up hook: runs each time Kafka is reached. */
  readonly start = async ({ kafka }: WorkerContext): Promise<void> => {
    const { options } = this;
    try {
      this.note = (await options.prepareTarget?.()) ?? '';
      const stateStore = new CompactedTopicMap(
        kafka,
        options.topics.state,
        ROOM_KEY_PREFIX,
        RoomMemory,
        (key, problem) => {
          options.logger.warn({ key, problem }, 'a stored room memory is not one; the room starts afresh');
        },
      );
      const restored = [...(await stateStore.load()).entries()].map(([key, memory]): [string, RoomMemory] => [
        key.slice(ROOM_KEY_PREFIX.length),
        memory,
      ]);
      this.identities = await this.restoreIdentities(kafka);
      const conversations = await this.restoreConversations(kafka);
      this.rooms ??= new TopicFollower(kafka, options.topics.rooms, roomState, () => {
        this.scheduleRenames();
      });
      await this.rooms.start();
      this.conversations = conversations;
      this.sync = this.createSync(restored, conversations);
      // Until input comes, quiet is counted from here: the backlog of a restart arrives first.
      this.lastInputAt = Math.max(this.lastInputAt, this.now());
    } catch (error) {
      options.readiness.report(
        'crm',
        false,
        `could not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw error;
    }
    await this.followDecisions(kafka);
    options.readiness.report('crm', true, `${options.target.name} ready${this.note}`);
    // Names that arrived while the sink was down, for rooms it remembers.
    setImmediate(() => {
      this.scheduleRenames();
    });
  };

  handle(messages: readonly KafkaMessage[], partition: number, heartbeat: () => Promise<void>): Promise<TopicRecord[]> {
    this.lastInputAt = this.now();
    if (!this.sync) throw new Error('consuming before the CRM sync was built');
    return this.sync.handle(
      messages.map((m) => ({ value: m.value, headers: m.headers, partition, offset: m.offset })),
      heartbeat,
    );
  }

  async close(): Promise<void> {
    clearInterval(this.dueTimer);
    clearTimeout(this.renameTimer);
    await this.rooms?.stop();
    await this.decisions?.stop();
  }

  /**
   * The identity graph: the identifiers each contact was seen with (state topic), the decisions of the
   * rules file, then those of the decisions topic (which win for the same pair).
   */
  private async restoreIdentities(kafka: WorkerContext['kafka']): Promise<IdentityGraph> {
    const { options } = this;
    const evidence = new CompactedTopicMap(
      kafka,
      options.topics.state,
      IDENTITY_KEY_PREFIX,
      Evidence.array(),
      (key, problem) => {
        options.logger.warn({ key, problem }, 'stored identity evidence is not valid; it is left out');
      },
    );
    const seen = [...(await evidence.load()).entries()].map(([key, items]): [string, Evidence[]] => [
      key.slice(IDENTITY_KEY_PREFIX.length),
      items,
    ]);
    const decisions = new Map(this.configDecisions);
    const topic = options.topics.identityDecisions;
    if (topic !== undefined) {
      const stored = new CompactedTopicMap(kafka, topic, '', IdentityDecisionV1, (key, problem) => {
        options.logger.warn({ key, problem }, 'an identity decision is not valid; it is left out');
      });
      for (const decision of (await stored.load()).values())
        decisions.set(identityDecisionKey(decision.a, decision.b), decision);
    }
    return new IdentityGraph(seen, decisions.values());
  }

  /** Decisions made while the sink runs (and a replay of those loaded, which changes nothing). */
  private async followDecisions(kafka: WorkerContext['kafka']): Promise<void> {
    const topic = this.options.topics.identityDecisions;
    if (topic === undefined) return;
    this.decisions ??= new TopicFollower(kafka, topic, identityDecision, (key, decision) => {
      this.sync
        ?.decide(key, decision ?? this.configDecisions.get(key) ?? null)
        .then((records) => this.publishSome(records))
        .catch((error: unknown) => {
          this.options.logger.error({ err: error, key }, 'applying an identity decision failed');
        });
    });
    await this.decisions.start();
  }

  /** The conversations kept in memory, from the compacted conversations topic (the latest per room). */
  private async restoreConversations(kafka: WorkerContext['kafka']): Promise<ConversationTracker | undefined> {
    const { options } = this;
    const topic = options.topics.conversations;
    if (topic === undefined) return undefined;
    const stored = new CompactedTopicMap(kafka, topic, '', ConversationV1, (key, problem) => {
      options.logger.warn({ key, problem }, 'a stored conversation is not one; it is left as it is');
    });
    const rules = { ...options.followUps.conversations, gapMinutes: options.followUps.episodeGapMinutes };
    // Every conversation on the topic (until compaction, their history too): allow for a big topic.
    const all = [...(await stored.load(5 * 60_000)).values()];
    const tracker = new ConversationTracker(rules, all);
    const identities = this.identities;
    this.people = new PeopleLedger(options.followUps.people, all, tracker.clock, (contactKey) =>
      identities === undefined ? contactKey : identities.personOf(contactKey),
    );
    return tracker;
  }

  private createSync(restored: [string, RoomMemory][], conversations: ConversationTracker | undefined): CrmSync {
    const { options } = this;
    const planner = new CrmPlanner({
      followUps: options.followUps,
      conversationUrl: options.conversationUrl,
      roomName: (roomId) => this.rooms?.get(roomId)?.name,
      restored,
    });
    return new CrmSync({
      planner,
      target: options.target,
      topics: {
        input: options.topics.input,
        state: options.topics.state,
        deadLetters: options.topics.deadLetters,
        ...(options.topics.conversations !== undefined && { conversations: options.topics.conversations }),
      },
      ...(conversations && { conversations }),
      ...(options.onConversations && { onConversations: options.onConversations }),
      ...(options.onMessages && { onMessages: options.onMessages }),
      ...(this.people && { people: { ledger: this.people, retention: options.followUps.people.retention } }),
      ...(this.identities && { identities: this.identities }),
      source: options.source,
      logger: options.logger,
      stopping: options.stopping,
      onTargetState: (ready, detail) => {
        // Until the preparation succeeds, /readyz keeps saying why it did not.
        options.readiness.report('crm', ready, `${detail}${options.preparationPending?.() ? this.note : ''}`);
      },
      ...(options.onOutcome && { onOutcome: options.onOutcome }),
    });
  }

  private scheduleRenames(): void {
    if (this.renameTimer !== undefined || this.options.stopping()) return;
    this.renameTimer = setTimeout(() => {
      this.renameTimer = undefined;
      this.sync
        ?.renameRooms()
        .then((records) => this.publishSome(records))
        .catch((error: unknown) => {
          this.options.logger.warn(
            { err: error },
            'renaming rooms in the CRM failed; tried again with the next room update',
          );
        });
    }, 1000);
  }

  private flushDue(): void {
    if (this.sync === undefined || this.now() - this.lastInputAt < this.options.followUpCheckMs) return;
    this.sync
      .flushDue(this.now())
      .then((records) => this.publishSome(records))
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'follow-up check failed');
      });
  }

  private async publishSome(records: TopicRecord[]): Promise<void> {
    if (records.length > 0) await this.options.publish(records);
  }
}

function identityDecision(value: unknown): IdentityDecisionV1 | undefined {
  const parsed = IdentityDecisionV1.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function roomState(value: unknown): RoomStateV1 | undefined {
  const parsed = RoomStateV1.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
