import { TOPICS } from '@parley/contracts';
import { CompactedTopicMap } from '@parley/kafka';
import { BackfillCheckpoint, backfillRoom } from '@parley/matrix';
import cliProgress from 'cli-progress';
import { commandArgs } from './command-args.ts';
import { withCommandContext } from './command-context.ts';
import { pipelineFromSettings } from './pipeline-from-settings.ts';

const USAGE = `usage: parley-ingest backfill (--rooms ID[,ID…] | --all-joined) --as-user USER [options]
Produces rooms' history to ${TOPICS.matrixEvents}, like live events and with the same event ids.
Resumes where an earlier run stopped (checkpoints in ${TOPICS.ingestState}); a finished room adds nothing.
Uses the same settings (environment) as the ingest service.
  --rooms IDS        room ids to backfill, comma-separated
  --all-joined       every room the --as-user user has joined
  --as-user USER     whose view of history to read; must be in the appservice's user namespace
  --page-size N      events per /messages page (default 500, Synapse caps at 1000)
  --restart          ignore checkpoints and start from the oldest event again`;

/** `backfill` subcommand; returns the process exit code. */
export async function backfillCommand(args: string[]): Promise<number> {
  const parsed = commandArgs(
    args,
    {
      rooms: { type: 'string' },
      'all-joined': { type: 'boolean', default: false },
      'as-user': { type: 'string' },
      'page-size': { type: 'string', default: '500' },
      restart: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const pageSize = Number(values['page-size']);
  const asUser = values['as-user'];
  if (
    !asUser ||
    (!values.rooms && !values['all-joined']) ||
    !Number.isInteger(pageSize) ||
    pageSize < 1 ||
    pageSize > 1000
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  return withCommandContext('backfill', async ({ config, logger, homeserver, kafka, producer }) => {
    const prefix = `backfill/${config.PARLEY_HOMESERVER_NAME}/`;
    const store = new CompactedTopicMap(kafka, TOPICS.ingestState, prefix, BackfillCheckpoint, (key, problem) => {
      logger.warn({ key, problem }, 'a stored checkpoint is not one; that room starts from its newest event');
    });
    const saved = values.restart ? new Map<string, BackfillCheckpoint>() : await store.load();
    const rooms = values.rooms
      ? values.rooms
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean)
      : await homeserver.joinedRooms(asUser);

    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: 'backfill [{bar}] {value}/{total} rooms | {events} events | {room}',
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(rooms.length, 0, { events: 0, room: '' });
    let total = 0;
    const pipeline = pipelineFromSettings(config, homeserver);
    for (const [index, roomId] of rooms.entries()) {
      const result = await backfillRoom(roomId, {
        client: homeserver,
        pipeline,
        sink: producer,
        asUser,
        pageSize,
        checkpoints: {
          get: (id) => saved.get(prefix + id),
          set: async (id, checkpoint) => {
            saved.set(prefix + id, checkpoint);
            await store.set(producer, prefix + id, checkpoint);
          },
        },
        onPage: ({ events }) => bar?.update(index, { events: total + events, room: roomId }),
      });
      total += result.events;
      bar?.update(index + 1, { events: total, room: roomId });
      logger.info({ roomId, events: result.events, pages: result.pages }, 'room backfilled');
    }
    bar?.stop();
    logger.info({ rooms: rooms.length, events: total }, 'backfill finished');
    process.stdout.write(`backfilled ${total} events from ${rooms.length} rooms\n`);
    return 0;
  });
}
