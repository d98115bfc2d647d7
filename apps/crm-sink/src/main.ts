#!/usr/bin/env node
import { startService } from '@parley/service-runtime';
import { bootstrapCommand } from './bootstrap-command.ts';
import { forgetCommand } from './forget-command.ts';
import { identityCommand } from './identity-command.ts';
import { crmSinkService } from './service.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'bootstrap') {
  process.exitCode = await bootstrapCommand(rest);
} else if (command === 'forget') {
  process.exitCode = await forgetCommand(rest);
} else if (command === 'identity') {
  process.exitCode = await identityCommand(rest);
} else {
  await startService(crmSinkService);
}
