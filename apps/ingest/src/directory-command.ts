import { TOPICS } from '@parley/contracts';
import { commandArgs } from './command-args.ts';
import { withCommandContext } from './command-context.ts';
import { pipelineFromSettings } from './pipeline-from-settings.ts';
import { publishRoomDirectory } from './room-directory.ts';

const USAGE = `usage: parley-ingest directory [--as-user USER[,USER…]] [--since-days N]
Republishes ${TOPICS.matrixRooms}: one record per room, its state read fresh from the homeserver. The
rooms are those on ${TOPICS.matrixEvents} in the last N days (default 30) with a sender in the
appservice's user namespace, plus every room the --as-user users (in that namespace) have joined.
Uses the same settings (environment) as the ingest service.`;

/** `directory` subcommand; returns the process exit code. */
export async function directoryCommand(args: string[]): Promise<number> {
  const parsed = commandArgs(
    args,
    {
      'as-user': { type: 'string' },
      'since-days': { type: 'string', default: '30' },
    },
    USAGE,
  );
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const days = Number(values['since-days']);
  if (!(days >= 0)) {
    process.stderr.write(`--since-days must be a number of days\n${USAGE}\n`);
    return 2;
  }
  return withCommandContext('directory', async ({ config, logger, homeserver, kafka, producer }) => {
    const result = await publishRoomDirectory({
      kafka,
      producer,
      pipeline: pipelineFromSettings(config, homeserver),
      homeserver,
      sinceMs: Date.now() - days * 24 * 60 * 60_000,
      extraUsers: (values['as-user'] ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
      all: true,
    });
    if (result.failed.length > 0) logger.warn({ rooms: result.failed }, 'could not read the state of some rooms');
    process.stdout.write(
      `${JSON.stringify({ rooms: result.rooms, published: result.published, unreadable: result.failed.length })}\n`,
    );
    return result.failed.length > 0 && result.published === 0 ? 1 : 0;
  });
}
