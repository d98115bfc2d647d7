import pLimit from 'p-limit';
import {
  classificationCeType,
  ClassificationV1,
  conversationRecord,
  decodeRecord,
  type IdentityDecisionV1,
  kafkaInputDeadLetter,
  type RawHeaders,
  type TopicRecord,
} from '@parley/contracts';
import type {
  ConversationChange,
  ConversationInput,
  ConversationTracker,
  PeopleLedger,
  PeopleRules,
  PersonRollup,
  SegmentEntry,
} from '@parley/conversations';
import type { Evidence, IdentityGraph, PersonChange } from '@parley/identity';
import { identityOfKey } from './contacts.ts';
import { resolvePeople } from './person-resolution.ts';
import type { Sighting } from './planner.ts';
import { conversationOfMessages, crmConversation } from './conversation-record.ts';
import type { RoomMemory } from './conversations.ts';
import type { CrmPlanner } from './planner.ts';
import {
  CredentialsRejectedError,
  isEmptyBatch,
  type CrmBatch,
  type CrmTarget,
  type RejectedRecord,
} from './records.ts';
import { backoff, errorMessage, retryUntilDone } from '@parley/service-runtime';

export interface InputMessage {
  value: Buffer | null;
  headers?: RawHeaders | undefined;
  partition: number;
  offset: string;
}

export interface SyncLogger {
  info?(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface CrmSyncOptions {
  planner: CrmPlanner;
  target: CrmTarget;
  topics: { input: string; state: string; deadLetters: string; conversations?: string };
  /** Conversations with their metrics, published to topics.conversations after each run. */
  conversations?: ConversationTracker;
  /** Sees every conversation change (its Prometheus metrics). */
  onConversations?: (changes: readonly ConversationChange[]) => void;
  /** Sees every labelled message as the conversations do (what customers write about, for metrics). */
  onMessages?: (inputs: readonly ConversationInput[]) => void;
  /** Rollups per person onto their contact, and the retention follow-up (with `conversations`). */
  people?: { ledger: PeopleLedger; retention: PeopleRules['retention'] };
  /** One person across channels: contacts linked by shared identifiers and operators' decisions. */
  identities?: IdentityGraph;
  source: string;
  logger: SyncLogger;
  stopping: () => boolean;
  /** The target's health as writes find it, for /readyz. */
  onTargetState?: (ready: boolean, detail: string) => void;
  onOutcome?: (outcome: 'written' | 'dead_letter', count: number) => void;
  /** Wait between attempts after a failure that retries inside the client could not absorb. */
  retryDelayMs?: (attempt: number) => number;
}

export const ROOM_KEY_PREFIX = 'room/';
/** State topic keys of the identifiers each contact was seen with (the identity graph's evidence). */
export const IDENTITY_KEY_PREFIX = 'identity/';

interface PeopleSteps {
  rollups: Map<string, PersonRollup>;
  entered: SegmentEntry[];
  step: (changes: ConversationChange[]) => void;
}

/**
 * The sink's core: a run of Kafka messages becomes one CRM batch, written until the target confirms
 * it. It returns what must be published before the offsets are committed: the changed room memories
 * and dead letters for input that is not a classification or that the CRM refused for good. Runs and
 * the wall-clock follow-up check never overlap.
 */
export class CrmSync {
  private readonly options: CrmSyncOptions;
  /** Runs and the wall-clock follow-up check never overlap. */
  private readonly exclusive = pLimit(1);

  constructor(options: CrmSyncOptions) {
    this.options = options;
  }

  handle(messages: readonly InputMessage[], heartbeat: () => Promise<void>): Promise<TopicRecord[]> {
    return this.exclusive(async () => {
      const classifications: ClassificationV1[] = [];
      const sources = new Map<string, InputMessage>();
      const deadLetters: TopicRecord[] = [];
      for (const message of messages) {
        const raw = message.value?.toString() ?? null;
        const parsed = decodeRecord(message, ClassificationV1, classificationCeType);
        if (!parsed.success) {
          const error = `not a classification (classification.v1): ${parsed.error}`;
          deadLetters.push(this.deadLetter('invalid_input', error, message, raw));
          continue;
        }
        classifications.push(parsed.data);
        sources.set(parsed.data.message.eventId, message);
      }
      const { batch, observations, sightings } = this.options.planner.planWithObservations(classifications);
      this.options.onMessages?.(observations);
      const people = this.peopleOfSteps();
      const moves = this.observeIdentities(sightings);
      this.regroupPeople(moves, people);
      const changes = this.options.conversations?.applyStepwise(observations, batch.followUps, people.step);
      this.addPeople(batch, people);
      this.addConversations(batch, changes);
      if (this.options.identities) resolvePeople(batch, this.options.identities, moves);
      const rejected = await this.writeUntilStored(batch, heartbeat);
      const conversations = this.conversationRecords(changes);
      let refused = 0;
      for (const record of rejected) {
        const source = record.kind === 'message' ? sources.get(record.key) : undefined;
        if (record.kind !== 'message' || source === undefined) {
          this.options.logger.warn(
            { kind: record.kind, key: record.key, reason: record.reason },
            'CRM refused a record',
          );
          continue;
        }
        refused += 1;
        deadLetters.push(this.deadLetter('crm_rejected', record.reason, source, source.value?.toString() ?? null));
      }
      // Input that was never a classification is not among them: it is counted as a dead letter only.
      this.options.onOutcome?.('written', classifications.length - refused);
      if (deadLetters.length > 0) this.options.onOutcome?.('dead_letter', deadLetters.length);
      return [...conversations, ...this.stateRecords(), ...deadLetters];
    });
  }

  /**
   * Renames the records of rooms whose name arrived (or changed) after their messages were written,
   * once per room and name; returns the state to persist.
   */
  renameRooms(heartbeat: () => Promise<void> = async () => undefined): Promise<TopicRecord[]> {
    return this.exclusive(async () => {
      const { planner, target } = this.options;
      for (const { roomId, name } of planner.renamesDue()) {
        await this.untilStored(() => target.renameRoom(roomId, name, { onWait: heartbeat }), heartbeat);
        planner.renamed(roomId, name);
      }
      return this.stateRecords();
    });
  }

  /**
   * Writes unanswered follow-ups that fell due by the wall clock, and moves the conversations' clock
   * (quiet ones resolve); returns what to publish.
   */
  flushDue(now: number, heartbeat: () => Promise<void> = async () => undefined): Promise<TopicRecord[]> {
    return this.exclusive(async () => {
      const batch = this.options.planner.due(now);
      const followUps = batch.followUps.map((f) => ({ roomId: f.roomId, rule: f.rule }));
      const conversations = this.options.conversations;
      const people = this.peopleOfSteps();
      const changes = conversations?.applyStepwise([], followUps, people.step) ?? [];
      const advanced = conversations?.advance(now) ?? [];
      if (advanced.length > 0) people.step(advanced);
      changes.push(...advanced);
      // Segments that time alone moves (dormant), once a day of the clock.
      if (conversations)
        for (const rollup of this.options.people?.ledger.sweep(conversations.clock) ?? [])
          if (!people.rollups.has(rollup.personKey)) people.rollups.set(rollup.personKey, rollup);
      this.addPeople(batch, people);
      this.addConversations(batch, changes);
      if (this.options.identities) resolvePeople(batch, this.options.identities, []);
      if (!isEmptyBatch(batch)) await this.writeUntilStored(batch, heartbeat);
      return [...this.conversationRecords(changes), ...(isEmptyBatch(batch) ? [] : this.stateRecords())];
    });
  }

  /**
   * An operator's decision about two contacts (or its withdrawal): the contacts whose person changed
   * move in the CRM, with the rollups of everyone involved. Returns what to publish.
   */
  decide(key: string, decision: IdentityDecisionV1 | null, heartbeat: () => Promise<void> = async () => undefined) {
    return this.exclusive(async () => {
      const identities = this.options.identities;
      if (identities === undefined) return [];
      const moves = identities.decide(key, decision);
      if (moves.length === 0) return [];
      const people = this.peopleOfSteps();
      this.regroupPeople(moves, people);
      const batch: CrmBatch = { contacts: [], messages: [], followUps: [] };
      this.addPeople(batch, people);
      resolvePeople(batch, identities, moves);
      for (const move of moves)
        this.options.logger.info?.(
          { contact: move.contactKey, from: move.from, to: move.to, decision: decision?.decision ?? 'withdrawn' },
          'a contact moved to another person',
        );
      await this.writeUntilStored(batch, heartbeat);
      return this.stateRecords();
    });
  }

  /** New identifiers seen for contacts; returns the contacts whose person changed (merges). */
  private observeIdentities(sightings: readonly Sighting[]): PersonChange[] {
    const identities = this.options.identities;
    if (identities === undefined) return [];
    const moves: PersonChange[] = [];
    for (const sighting of sightings)
      moves.push(
        ...identities.observe(
          sighting.contactKey,
          sighting.identifiers.map((identifier) => ({ identifier, at: sighting.at, eventId: sighting.eventId })),
        ),
      );
    return moves;
  }

  /** Contacts that changed person take their conversations along; the people involved get new rollups. */
  private regroupPeople(moves: readonly PersonChange[], steps: PeopleSteps): void {
    const { people, conversations } = this.options;
    if (moves.length === 0 || people === undefined || conversations === undefined) return;
    for (const rollup of people.ledger.regroup(moves, conversations.clock)) steps.rollups.set(rollup.personKey, rollup);
  }

  /**
   * Sees each step's conversation changes: their metrics, and the rollups of the people whose
   * conversations changed and who entered a segment.
   */
  private peopleOfSteps(): PeopleSteps {
    const rollups = new Map<string, PersonRollup>();
    const entered: SegmentEntry[] = [];
    const { people, conversations } = this.options;
    return {
      rollups,
      entered,
      step: (changes) => {
        // Every step's changes: each transition (a first response, a resolution) is counted once.
        this.options.onConversations?.(changes);
        if (people === undefined || conversations === undefined) return;
        const update = people.ledger.update(changes, conversations.clock);
        for (const rollup of update.rollups) rollups.set(rollup.personKey, rollup);
        entered.push(...update.entered);
      },
    };
  }

  /** The people's latest rollups go onto their contacts; retention tasks with them. */
  private addPeople(batch: CrmBatch, steps: PeopleSteps): void {
    const { people, planner } = this.options;
    for (const rollup of steps.rollups.values()) {
      const index = batch.contacts.findIndex((c) => c.key === rollup.personKey);
      const existing = index < 0 ? identityOfKey(rollup.personKey) : batch.contacts[index];
      const contact = { ...existing, key: rollup.personKey, rollup: contactRollup(rollup) };
      if (index < 0) batch.contacts.push(contact);
      else batch.contacts[index] = contact;
    }
    if (people?.retention)
      for (const entry of steps.entered) batch.followUps.push(planner.segmentFollowUp(entry, people.retention));
  }

  /** The changed conversations go to the CRM with the batch; each message points at its conversation. */
  private addConversations(batch: CrmBatch, changes: readonly ConversationChange[] | undefined): void {
    if (changes === undefined || changes.length === 0) return;
    const latest = new Map<string, ConversationChange>();
    for (const change of changes) latest.set(change.conversationId, change);
    const roomName = (roomId: string) => this.options.planner.roomName(roomId);
    batch.conversations = [...latest.values()].map((change) => crmConversation(change, roomName));
    const owner = conversationOfMessages([...latest.values()]);
    batch.messages = batch.messages.map((message) => {
      const conversationKey = owner.get(message.externalId);
      return conversationKey === undefined ? message : { ...message, conversationKey };
    });
  }

  private conversationRecords(changes: ConversationChange[] | undefined): TopicRecord[] {
    const topic = this.options.topics.conversations;
    if (changes === undefined || topic === undefined) return [];
    return changes.map((change) =>
      change.value === null
        ? { topic, key: change.conversationId, value: null, headers: {} }
        : conversationRecord(change.value, topic, this.options.source),
    );
  }

  private async writeUntilStored(batch: CrmBatch, heartbeat: () => Promise<void>): Promise<RejectedRecord[]> {
    if (isEmptyBatch(batch)) return [];
    return this.untilStored(() => this.options.target.write(batch, { onWait: heartbeat }), heartbeat);
  }

  /** Runs a write until the target confirms it: failures hold the partition and are retried. */
  private async untilStored<T>(write: () => Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    const delay = this.options.retryDelayMs ?? backoff(1_000, 60_000);
    const { target, stopping, logger, onTargetState } = this.options;
    const result = await retryUntilDone(write, {
      stopping,
      keepAlive: heartbeat,
      // Credentials: stop writing and say so in /readyz; try again now and then in case they were fixed.
      delayMs: (attempt, error) => (error instanceof CredentialsRejectedError ? 60_000 : delay(attempt)),
      onFailure: (error, attempt) => {
        const detail =
          error instanceof CredentialsRejectedError
            ? `${target.name} rejected the credentials: ${errorMessage(error)}`
            : `${target.name} write failed: ${errorMessage(error)}`;
        onTargetState?.(false, detail);
        if (attempt % 10 === 0) logger.error({ err: detail, attempt }, 'CRM write failed; holding the partition');
      },
    });
    onTargetState?.(true, `${target.name} writes confirmed`);
    return result;
  }

  private stateRecords(): TopicRecord[] {
    const topic = this.options.topics.state;
    const headers = { 'content-type': 'application/json' };
    const rooms = this.options.planner.conversations.takeChanged().map(([roomId, memory]): TopicRecord => ({
      topic,
      key: `${ROOM_KEY_PREFIX}${roomId}`,
      value: memory satisfies RoomMemory,
      headers,
    }));
    const evidence = (this.options.identities?.takeChangedEvidence() ?? []).map(([contactKey, items]): TopicRecord => ({
      topic,
      key: `${IDENTITY_KEY_PREFIX}${contactKey}`,
      value: items satisfies Evidence[],
      headers,
    }));
    return [...rooms, ...evidence];
  }

  private deadLetter(reason: string, error: string, message: InputMessage, raw: string | null): TopicRecord {
    return kafkaInputDeadLetter({
      topic: this.options.topics.deadLetters,
      producer: this.options.source,
      stage: 'crm-sink',
      reason,
      error,
      input: { topic: this.options.topics.input, partition: message.partition, offset: message.offset, raw },
    });
  }
}

function contactRollup(rollup: PersonRollup): NonNullable<CrmBatch['contacts'][number]['rollup']> {
  return {
    segment: rollup.segment,
    engagementScore: rollup.engagementScore,
    conversations: rollup.conversations,
    messages: rollup.messages,
    openConversations: rollup.openConversations,
    firstContactAt: rollup.firstContactAt,
    medianFirstResponseMinutes:
      rollup.medianFirstResponseSeconds === null ? null : Math.round(rollup.medianFirstResponseSeconds / 6) / 10,
    averageSentiment: rollup.averageSentiment,
    sentimentTrend: rollup.sentimentTrend,
  };
}
