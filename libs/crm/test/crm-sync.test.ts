import { DeadLetterV1, type ClassificationV1 } from '@parley/contracts';
import { sampleLabel } from '@parley/testing';
import { IdentityGraph } from '@parley/identity';
import { describe, expect, it } from 'vitest';
import {
  CrmPlanner,
  CrmSync,
  DEFAULT_FOLLOW_UPS,
  IDENTITY_KEY_PREFIX,
  ROOM_KEY_PREFIX,
  type CrmBatch,
  type CrmTarget,
  type RejectedRecord,
} from '../src/index.ts';

/**
 * A target whose answers the test scripts (a fault injector: failures, then refusals), recording every
 * batch it was asked to write.
 */
class ScriptedTarget implements CrmTarget {
  readonly name = 'scripted';
  readonly writes: CrmBatch[] = [];
  private readonly answers: (Error | RejectedRecord[])[];

  constructor(answers: (Error | RejectedRecord[])[]) {
    this.answers = answers;
  }

  async write(batch: CrmBatch): Promise<RejectedRecord[]> {
    this.writes.push(batch);
    const answer = this.answers.shift() ?? [];
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async renameRoom(): Promise<void> {}
  async close(): Promise<void> {}
}

function sync(target: CrmTarget, stopping = () => false) {
  const states: [boolean, string][] = [];
  const outcomes: [string, number][] = [];
  const logged: string[] = [];
  const crm = new CrmSync({
    planner: new CrmPlanner({ followUps: DEFAULT_FOLLOW_UPS, conversationUrl: 'x', roomName: () => undefined }),
    target,
    topics: { input: 'in', state: 'state', deadLetters: 'dlq' },
    source: 'parley/crm-sink',
    logger: { warn: (_d, m) => logged.push(m), error: (_d, m) => logged.push(m) },
    stopping,
    onTargetState: (ready, detail) => states.push([ready, detail]),
    onOutcome: (outcome, count) => outcomes.push([outcome, count]),
    retryDelayMs: () => 0,
  });
  return { crm, states, outcomes, logged };
}

const input = (values: (ClassificationV1 | string)[]) =>
  values.map((v, i) => ({
    value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
    partition: 2,
    offset: String(100 + i),
  }));

describe('CrmSync (planner and a scripted target)', () => {
  it('writes a run as one batch, dead-letters what is not a classification, and returns the room memory to persist', async () => {
    const target = new ScriptedTarget([[]]);
    const { crm, outcomes } = sync(target);
    const label = sampleLabel({ roomId: '!a:x', eventId: '$1' });
    const records = await crm.handle(input([label, '{"not":"a label"}']), async () => undefined);
    expect(target.writes).toHaveLength(1);
    expect(target.writes[0]?.messages.map((m) => m.externalId)).toEqual(['$1']);
    const [state, dead] = [records.filter((r) => r.topic === 'state'), records.filter((r) => r.topic === 'dlq')];
    expect(state.map((r) => r.key)).toEqual([`${ROOM_KEY_PREFIX}!a:x`]);
    expect(dead).toHaveLength(1);
    expect(DeadLetterV1.parse(dead[0]?.value)).toMatchObject({
      reason: 'invalid_input',
      stage: 'crm-sink',
      source: { topic: 'in', partition: 2, offset: '101' },
      raw: '{"not":"a label"}',
    });
    expect(dead[0]?.headers['ce_id']).toBe('in/2/101');
    // The label is written; only the input that was never a classification is dead-lettered.
    expect(outcomes).toEqual([
      ['written', 1],
      ['dead_letter', 1],
    ]);
  });

  it('holds the run through failed writes, saying so each time, until the target confirms', async () => {
    const target = new ScriptedTarget([new Error('503 from CRM'), new Error('socket hang up'), []]);
    const { crm, states, logged } = sync(target);
    await crm.handle(input([sampleLabel({ roomId: '!b:x', eventId: '$2' })]), async () => undefined);
    expect(target.writes).toHaveLength(3);
    expect(target.writes[2]).toEqual(target.writes[0]);
    expect(states).toEqual([
      [false, 'scripted write failed: 503 from CRM'],
      [false, 'scripted write failed: socket hang up'],
      [true, 'scripted writes confirmed'],
    ]);
    expect(logged).toEqual(['CRM write failed; holding the partition']);
  });

  it('dead-letters a message the CRM refused for good, with its reason and its input coordinates', async () => {
    const label = sampleLabel({ roomId: '!c:x', eventId: '$3' });
    const target = new ScriptedTarget([[{ kind: 'message', key: '$3', reason: 'field too long' }]]);
    const { crm, outcomes } = sync(target);
    const records = await crm.handle(input([label]), async () => undefined);
    const dead = records.filter((r) => r.topic === 'dlq');
    expect(DeadLetterV1.parse(dead[0]?.value)).toMatchObject({
      reason: 'crm_rejected',
      error: 'field too long',
      source: { offset: '100' },
    });
    expect(outcomes).toEqual([
      ['written', 0],
      ['dead_letter', 1],
    ]);
  });

  it('gives up a failing write when the service is stopping, so the run is not committed', async () => {
    let stopping = false;
    const target = new ScriptedTarget([new Error('down')]);
    const { crm } = sync(target, () => stopping);
    stopping = true;
    await expect(crm.handle(input([sampleLabel({ eventId: '$4' })]), async () => undefined)).rejects.toThrow('down');
  });
});

describe('CrmSync with identities: a WhatsApp LID ghost', () => {
  const LID_GHOST = '@whatsapp_lid-98765432101234:parley.test';
  /** A message from the LID ghost (the bridge hides the number) in a room of the given kind and chat id. */
  const fromLid = (roomId: string, eventId: string, roomType: 'dm' | 'group', remoteChatId: string) => {
    const label = sampleLabel({ roomId, eventId });
    return {
      ...label,
      message: {
        ...label.message,
        sender: {
          userId: LID_GHOST,
          isBridgeGhost: true,
          remoteUserId: 'lid-98765432101234',
          side: 'customer' as const,
        },
        channel: { protocol: 'whatsapp', roomType, remoteChatId },
      },
    };
  };

  it('puts the LID ghost’s group messages on the number its direct chat showed, saying why, and persists the evidence', async () => {
    const target = new ScriptedTarget([[], []]);
    const identities = new IdentityGraph();
    const crm = new CrmSync({
      planner: new CrmPlanner({ followUps: DEFAULT_FOLLOW_UPS, conversationUrl: 'x', roomName: () => undefined }),
      target,
      topics: { input: 'in', state: 'state', deadLetters: 'dlq' },
      identities,
      source: 'parley/crm-sink',
      logger: { warn: () => undefined, error: () => undefined },
      stopping: () => false,
      retryDelayMs: () => 0,
    });
    // The group message comes first: nothing links the ghost to a number yet.
    await crm.handle(input([fromLid('!group:x', '$g1', 'group', '1203630@g.us')]), async () => undefined);
    expect(target.writes[0]?.messages[0]).toMatchObject({ contactKey: `matrix:${LID_GHOST}` });
    expect(target.writes[0]?.messages[0]?.personKey).toBeUndefined();
    // In the direct chat with the phone number's JID the ghost is that number: from now on one person.
    const records = await crm.handle(
      input([
        fromLid('!dm:x', '$d1', 'dm', '4915112345678@s.whatsapp.net'),
        fromLid('!group:x', '$g2', 'group', '1203630@g.us'),
      ]),
      async () => undefined,
    );
    const batch = target.writes[1];
    expect(batch?.messages.map((m) => [m.externalId, m.contactKey, m.personKey])).toEqual([
      ['$d1', 'whatsapp:+4915112345678', undefined],
      ['$g2', `matrix:${LID_GHOST}`, 'whatsapp:+4915112345678'],
    ]);
    expect(batch?.reassignments).toEqual([
      {
        contactKey: `matrix:${LID_GHOST}`,
        personKey: 'whatsapp:+4915112345678',
        mergedInto: 'whatsapp:+4915112345678',
      },
    ]);
    expect(batch?.contacts.map((c) => c.key)).toEqual(['whatsapp:+4915112345678']);
    expect(batch?.contacts[0]?.linkedIdentities).toBe(
      `matrix:${LID_GHOST}: same lid:98765432101234 (seen ${batchTime(target, '$g1')}, $g1)`,
    );
    expect(
      records
        .filter((r) => r.key.startsWith(IDENTITY_KEY_PREFIX))
        .map((r) => r.key)
        .sort(),
    ).toEqual([`${IDENTITY_KEY_PREFIX}whatsapp:+4915112345678`]);
  });
});

function batchTime(target: ScriptedTarget, eventId: string): string {
  for (const batch of target.writes) for (const m of batch.messages) if (m.externalId === eventId) return m.sentAt;
  return '';
}
