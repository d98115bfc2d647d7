#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { registrationCommand } from './registration-command.ts';
import { ingestService } from './service.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'registration') {
  process.exitCode = registrationCommand(rest);
} else {
  await startService(ingestService);
}
