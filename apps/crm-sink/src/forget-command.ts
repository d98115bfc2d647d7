import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { auditRecord, ConversationV1, RoomStateV1 } from '@parley/contracts';
import { AcknowledgedProducer, kafkaClientFromSettings, readTopicRange } from '@parley/kafka';
import { ConfigError, createLogger, loadConfig, setting } from '@parley/service-runtime';
import { forgetPerson, TwentyAuthError, TwentyRequestError, type ErasureSubject } from '@parley/twenty';
import { IDENTITY_KEY_PREFIX, ROOM_KEY_PREFIX } from '@parley/crm';
import { z } from 'zod';
import { crmSinkSettings } from './settings.ts';
import { twentyClient } from './target-from-settings.ts';

const USAGE = `usage: parley-crm-sink forget (--phone +4915… | --matrix-id @user:server | --person-id <Twenty id>)
Erases a person on request: their person record, chat messages and the follow-up tasks Parley made in
Twenty (hard deletes); tombstones for their direct rooms on the compacted rooms and sink-state topics;
an audit record on PARLEY_AUDIT_TOPIC holding only a hash of the identifier and the counts. Reads the
service's settings (Twenty, Kafka and topics). What stays on non-compacted topics until their retention
ends is listed in the README ("Erasure").`;

/** `forget` subcommand; returns the process exit code. */
export async function forgetCommand(args: string[]): Promise<number> {
  let subject: ErasureSubject;
  try {
    const { values } = parseArgs({
      args,
      options: {
        phone: { type: 'string' },
        'matrix-id': { type: 'string' },
        'person-id': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const given = [
      values.phone !== undefined && ({ kind: 'phone', phone: values.phone.replace(/[\s-]/g, '') } as const),
      values['matrix-id'] !== undefined && ({ kind: 'matrix', userId: values['matrix-id'] } as const),
      values['person-id'] !== undefined && ({ kind: 'person', id: values['person-id'] } as const),
    ].filter((s) => s !== false);
    const [only] = given;
    if (given.length !== 1 || only === undefined) throw new Error('name the person exactly one way');
    if (only.kind === 'phone' && !/^\+[1-9][0-9]{6,14}$/.test(only.phone))
      throw new Error(`--phone ${only.phone} is not an E.164 number (+ and digits)`);
    subject = only;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  let config;
  let kafka;
  try {
    config = loadConfig(z.object({ ...crmSinkSettings, PARLEY_LOG_LEVEL: setting.logLevel() }), {
      service: 'crm-sink',
    });
    if (!config.PARLEY_TWENTY_URL)
      throw new ConfigError([{ setting: 'PARLEY_TWENTY_URL', problem: 'required' }], 'crm-sink');
    if (!config.PARLEY_TWENTY_API_KEY)
      throw new ConfigError([{ setting: 'PARLEY_TWENTY_API_KEY', problem: 'required' }], 'crm-sink');
    kafka = kafkaClientFromSettings(
      { ...config, PARLEY_KAFKA_CLIENT_ID: `${config.PARLEY_KAFKA_CLIENT_ID}-forget` },
      // Logs to stderr: stdout is the command's answer.
      createLogger({ service: 'crm-sink-forget', level: config.PARLEY_LOG_LEVEL, destination: process.stderr }),
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 78;
  }

  try {
    const erased = await forgetPerson(twentyClient(config, AbortSignal.timeout(30 * 60_000)), subject);
    // Direct rooms are the person's own: their room record (name, members) and the sink's memory of
    // them go. Group rooms stay; the person's messages in them are gone from the CRM above.
    const direct = new Set<string>();
    const wanted = new Set(erased.roomIds);
    await readTopicRange(kafka, config.PARLEY_ROOMS_TOPIC, (_partition, message) => {
      const key = message.key?.toString();
      if (key === undefined || !wanted.has(key) || message.value === null) return;
      const room = RoomStateV1.safeParse(JSON.parse(message.value.toString()));
      if (room.success && room.data.channel.roomType === 'dm') direct.add(key);
      else direct.delete(key);
    });
    // Conversations are the person's when they are in a direct room or name the person as the customer.
    const personKey =
      subject.kind === 'phone'
        ? `whatsapp:${subject.phone}`
        : subject.kind === 'matrix'
          ? `matrix:${subject.userId}`
          : '';
    const conversations = new Set<string>();
    if (config.PARLEY_CONVERSATIONS)
      await readTopicRange(kafka, config.PARLEY_CONVERSATIONS_TOPIC, (_partition, message) => {
        const key = message.key?.toString();
        if (key === undefined) return;
        if (message.value === null) return void conversations.delete(key);
        const conversation = ConversationV1.safeParse(JSON.parse(message.value.toString()));
        if (!conversation.success) return;
        const { roomId, personKey: customer } = conversation.data;
        if (direct.has(roomId) || (personKey !== '' && customer === personKey)) conversations.add(key);
      });
    // The identifiers the person was seen with, and operators' decisions naming them, go too.
    const decisions = new Set<string>();
    const stored = { evidence: false };
    if (personKey !== '') {
      const evidenceKey = `${IDENTITY_KEY_PREFIX}${personKey}`;
      await readTopicRange(kafka, config.PARLEY_STATE_TOPIC, (_partition, message) => {
        if (message.key?.toString() === evidenceKey) stored.evidence = message.value !== null;
      });
      await readTopicRange(kafka, config.PARLEY_IDENTITY_DECISIONS_TOPIC, (_partition, message) => {
        const key = message.key?.toString();
        if (key === undefined) return;
        if (message.value !== null && key.split(' ').includes(personKey)) decisions.add(key);
        else decisions.delete(key);
      });
    }
    const tombstones = [
      ...(stored.evidence
        ? [{ topic: config.PARLEY_STATE_TOPIC, key: `${IDENTITY_KEY_PREFIX}${personKey}`, value: null, headers: {} }]
        : []),
      ...[...decisions].map((key) => ({
        topic: config.PARLEY_IDENTITY_DECISIONS_TOPIC,
        key,
        value: null,
        headers: {},
      })),
      ...[...direct].flatMap((roomId) => [
        { topic: config.PARLEY_ROOMS_TOPIC, key: roomId, value: null, headers: {} },
        { topic: config.PARLEY_STATE_TOPIC, key: `${ROOM_KEY_PREFIX}${roomId}`, value: null, headers: {} },
      ]),
      ...[...conversations].map((key) => ({ topic: config.PARLEY_CONVERSATIONS_TOPIC, key, value: null, headers: {} })),
    ];
    const identifier =
      subject.kind === 'phone'
        ? `phone:${subject.phone}`
        : subject.kind === 'matrix'
          ? `matrix:${subject.userId}`
          : `person:${subject.id}`;
    const removed = { ...erased.removed, tombstones: tombstones.length };
    const audit = auditRecord(
      {
        schemaVersion: 1,
        action: 'erasure',
        subjectSha256: createHash('sha256').update(identifier).digest('hex'),
        at: new Date().toISOString(),
        removed,
        by: 'parley/crm-sink forget',
      },
      config.PARLEY_AUDIT_TOPIC,
    );
    // Tombstones and the audit record in one acknowledged publish.
    const producer = new AcknowledgedProducer(kafka, { timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS });
    await producer.connect();
    try {
      await producer.publish([...tombstones, audit]);
    } finally {
      await producer.disconnect();
    }
    process.stdout.write(`${JSON.stringify({ found: erased.personId !== undefined, removed })}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TwentyAuthError || error instanceof TwentyRequestError) {
      process.stderr.write(`forget failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
