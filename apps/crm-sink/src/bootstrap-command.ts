import { ConfigError, loadConfig } from '@parley/service-runtime';
import {
  BootstrapError,
  DataModelPermissionError,
  TwentyAuthError,
  TwentyRequestError,
  TwentyTarget,
  parleySchema,
} from '@parley/twenty';
import { z } from 'zod';
import { crmSinkSettings } from './settings.ts';
import { intentsFromSettings, twentyClient } from './target-from-settings.ts';

const USAGE = `usage: parley-crm-sink bootstrap
Creates what Parley needs in the Twenty workspace (person fields, the chatMessage object, the task key
field) and only what is missing; safe to run again. Reads PARLEY_TWENTY_URL, PARLEY_TWENTY_API_KEY and
PARLEY_TAXONOMY_FILE like the service.`;

/** `bootstrap` subcommand; returns the process exit code. */
export async function bootstrapCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(z.object(crmSinkSettings).partial({ PARLEY_KAFKA_BROKERS: true }), { service: 'crm-sink' });
    if (!config.PARLEY_TWENTY_URL)
      throw new ConfigError([{ setting: 'PARLEY_TWENTY_URL', problem: 'required' }], 'crm-sink');
    if (!config.PARLEY_TWENTY_API_KEY)
      throw new ConfigError([{ setting: 'PARLEY_TWENTY_API_KEY', problem: 'required' }], 'crm-sink');
    const target = new TwentyTarget(
      twentyClient({ ...config, PARLEY_KAFKA_BROKERS: [] }, AbortSignal.timeout(10 * 60_000)),
      parleySchema(intentsFromSettings({ ...config, PARLEY_KAFKA_BROKERS: [] })),
    );
    const report = await target.bootstrap();
    process.stdout.write(
      `${JSON.stringify({ created: report.created, updated: report.updated, unchanged: report.unchanged.length })}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    if (
      error instanceof BootstrapError ||
      error instanceof DataModelPermissionError ||
      error instanceof TwentyAuthError ||
      error instanceof TwentyRequestError
    ) {
      process.stderr.write(`bootstrap failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
