#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { backfillCommand } from './backfill-command.ts';
import { directoryCommand } from './directory-command.ts';
import { inspectCommand } from './inspect-command.ts';
import { registrationCommand } from './registration-command.ts';
import { ingestService } from './service.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'registration') {
  process.exitCode = registrationCommand(rest);
} else if (command === 'backfill') {
  process.exitCode = await backfillCommand(rest);
} else if (command === 'inspect') {
  process.exitCode = await inspectCommand(rest);
} else if (command === 'directory') {
  process.exitCode = await directoryCommand(rest);
} else {
  await startService(ingestService);
}
