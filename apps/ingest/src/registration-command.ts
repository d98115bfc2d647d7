import { readFileSync, writeFileSync } from 'node:fs';
import {
  createRegistration,
  PARLEY_REGISTRATION_DEFAULTS,
  readBridgeRegistration,
  registrationYaml,
} from '@parley/matrix';
import { commandArgs } from './command-args.ts';
import { errorMessage } from '@parley/service-runtime';

const USAGE = `usage: parley-ingest registration --url URL [options]
Writes an appservice registration with fresh random tokens, for Synapse's app_service_config_files.
  --url URL              where the homeserver reaches ingest (required), e.g. http://ingest:8080
  --id ID                appservice id (default: parley)
  --sender LOCALPART     the appservice's own user (default: parley)
  --users REGEX          users namespace to watch, non-exclusive; repeatable (default: @whatsapp_.*, or the
                         namespaces of the --bridge-registration files)
  --bridge-registration FILE
                         a bridge's own registration (mautrix: registration.yaml); its user namespaces are
                         watched, so any username_template works; repeatable
  --rooms REGEX          rooms namespace to watch, non-exclusive; repeatable (default: none)
  --no-ephemeral         do not ask for receipts and typing
  --output FILE          write here (mode 0600) instead of standard output`;

/** `registration` subcommand; returns the process exit code. */
export function registrationCommand(args: string[]): number {
  const parsed = commandArgs(
    args,
    {
      url: { type: 'string' },
      id: { type: 'string', default: PARLEY_REGISTRATION_DEFAULTS.id },
      sender: { type: 'string', default: PARLEY_REGISTRATION_DEFAULTS.senderLocalpart },
      users: { type: 'string', multiple: true },
      'bridge-registration': { type: 'string', multiple: true },
      rooms: { type: 'string', multiple: true },
      'no-ephemeral': { type: 'boolean', default: false },
      output: { type: 'string' },
    },
    USAGE,
  );
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  if (!values.url || !URL.canParse(values.url)) {
    process.stderr.write(`--url must be an absolute URL\n${USAGE}\n`);
    return 2;
  }
  for (const regex of [...(values.users ?? []), ...(values.rooms ?? [])]) {
    try {
      new RegExp(regex);
    } catch {
      process.stderr.write(`not a valid regular expression: ${regex}\n`);
      return 2;
    }
  }
  const bridgeRegexes: string[] = [];
  for (const file of values['bridge-registration'] ?? []) {
    try {
      bridgeRegexes.push(...readBridgeRegistration(readFileSync(file, 'utf8'), file).userRegexes);
    } catch (error) {
      process.stderr.write(`${errorMessage(error)}\n`);
      return 2;
    }
  }
  const users = [...(values.users ?? []), ...bridgeRegexes];
  const yaml = registrationYaml(
    createRegistration({
      id: values.id,
      url: values.url,
      senderLocalpart: values.sender,
      userRegexes: users.length > 0 ? users : [...PARLEY_REGISTRATION_DEFAULTS.userRegexes],
      roomRegexes: values.rooms ?? [],
      receiveEphemeral: PARLEY_REGISTRATION_DEFAULTS.receiveEphemeral && !values['no-ephemeral'],
    }),
  );
  if (values.output) writeFileSync(values.output, yaml, { mode: 0o600 });
  else process.stdout.write(yaml);
  return 0;
}
