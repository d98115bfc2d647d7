import { readFileSync } from 'node:fs';
import { classifiedMessageOf, MatrixEventV1, TOPICS, type LabelV1 } from '@parley/contracts';
import { CrmPlanner, DEFAULT_FOLLOW_UPS } from '@parley/crm';
import { EventPipeline, RoomStateCache } from '@parley/matrix';
import { ConfigError, errorMessage, loadConfig } from '@parley/service-runtime';
import { z } from 'zod';
import { commandArgs } from './command-args.ts';
import { identityFromSettings } from './pipeline-from-settings.ts';
import { ingestSettings } from './settings.ts';

const USAGE = `usage: parley-ingest inspect FILE [--crm] [--homeserver NAME]
Prints, one JSON line per event, the value Parley would put on ${TOPICS.matrixEvents} for the Matrix
events in FILE, applying room state in order through the same code as live ingest (and the same
settings: PARLEY_GHOST_RULES, PARLEY_BUSINESS_USERS_REGEX, PARLEY_NAME_DECORATIONS…). FILE holds a JSON
array of events, JSON lines, or a dump {roomId: {state: [...], timeline: [...]}} (a room's state is
applied first when its timeline does not start at the room's creation).
  --crm             add "crm": the contact a customer message would be attributed to in the CRM
  --homeserver NAME the homeserver's name (default: the domain of the first room id)`;

type Batch = { roomId: string; state: unknown[]; timeline: unknown[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The events of FILE, grouped by room where the file says so. */
export function readEvents(text: string): Batch[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // JSON lines: one event per line.
    const events = trimmed
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new Error(`line ${String(i + 1)} is not JSON`);
        }
      });
    return [{ roomId: '', state: [], timeline: events }];
  }
  if (Array.isArray(parsed)) return [{ roomId: '', state: [], timeline: parsed }];
  // A file of one JSON line is one event.
  if (isRecord(parsed) && typeof parsed.type === 'string') return [{ roomId: '', state: [], timeline: [parsed] }];
  if (isRecord(parsed))
    return Object.entries(parsed).map(([roomId, room]) => {
      if (!isRecord(room) || !Array.isArray(room.timeline))
        throw new Error(`room ${roomId} must be {state: [...], timeline: [...]}`);
      return { roomId, state: Array.isArray(room.state) ? room.state : [], timeline: room.timeline };
    });
  throw new Error('expected a JSON array, JSON lines, or {roomId: {state, timeline}}');
}

/** A neutral label for a message, so the CRM planner can say whom it would attribute it to. */
function stubLabel(event: MatrixEventV1): LabelV1 {
  return {
    schemaVersion: 1,
    kind: 'label',
    id: `${event.eventId}/inspect`,
    sourceEventId: event.eventId,
    message: classifiedMessageOf(event),
    classifiedAt: event.time,
    intent: { label: 'other', confidence: 0 },
    sentiment: { label: 'neutral', score: 0, confidence: 0 },
    language: 'und',
    keywords: [],
    lineage: {
      backend: 'baseline',
      model: 'inspect',
      modelDigest: '-',
      promptVersion: '-',
      taxonomy: '-',
      taxonomyVersion: '-',
    },
  };
}

/** `inspect` subcommand; returns the process exit code. */
export async function inspectCommand(
  args: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const parsed = commandArgs(
    args,
    { crm: { type: 'boolean', default: false }, homeserver: { type: 'string' } },
    USAGE,
    { positionals: true },
  );
  if (parsed.exit !== undefined) return parsed.exit;
  const { values, positionals } = parsed;
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let identity;
  try {
    const settings = z.object(ingestSettings).pick({
      PARLEY_BRIDGE_REGISTRATION_FILES: true,
      PARLEY_GHOST_RULES: true,
      PARLEY_CUSTOMER_USERS_REGEX: true,
      PARLEY_BUSINESS_USERS_REGEX: true,
      PARLEY_NAME_DECORATIONS: true,
      PARLEY_BRIDGE_BOTS_REGEX: true,
    });
    identity = identityFromSettings(loadConfig(settings, { service: 'ingest' }));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  let batches: Batch[];
  try {
    batches = readEvents(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`${file}: ${errorMessage(error)}\n`);
    return 1;
  }
  const firstRoom = batches
    .flatMap((b) => [b.roomId, ...b.timeline.map((e) => (isRecord(e) ? e.room_id : ''))])
    .find((id): id is string => typeof id === 'string' && id.includes(':'));
  const homeserver = values.homeserver ?? firstRoom?.slice(firstRoom.indexOf(':') + 1) ?? 'localhost';
  const pipeline = new EventPipeline({
    homeserver,
    identity,
    rooms: new RoomStateCache({ maxRooms: 100_000, maxMembersPerRoom: 1_000 }),
    canActAs: () => false,
  });
  const planner = new CrmPlanner({
    followUps: DEFAULT_FOLLOW_UPS,
    conversationUrl: '{roomId}',
    roomName: () => undefined,
  });
  let invalid = 0;
  for (const batch of batches) {
    const startsAtCreation = batch.timeline.some((e) => isRecord(e) && e.type === 'm.room.create');
    if (!startsAtCreation) pipeline.observe(batch.state);
    const result = await pipeline.toRecords(batch.timeline, {
      origin: { via: 'backfill' },
      stage: 'inspect',
      batchId: batch.roomId || file,
    });
    invalid += result.deadLettered;
    for (const record of result.records) {
      if (record.topic !== TOPICS.matrixEvents) {
        if (record.topic === TOPICS.matrixEventsDlq) out(JSON.stringify({ deadLetter: record.value }));
        continue;
      }
      const event = MatrixEventV1.parse(record.value);
      if (!values.crm || event.kind !== 'message') {
        out(JSON.stringify(event));
        continue;
      }
      const plan = planner.plan([stubLabel(event)]);
      const message = plan.messages[0];
      const contact = plan.contacts.find((c) => c.key === message?.contactKey);
      out(
        JSON.stringify({
          ...event,
          crm:
            message === undefined
              ? { record: false, reason: 'not a conversation' }
              : { record: true, direction: message.direction, contact: contact ?? null },
        }),
      );
    }
  }
  return invalid > 0 ? 1 : 0;
}
