import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

export interface RegistrationOptions {
  id: string;
  /** Where the homeserver reaches ingest, e.g. http://ingest:8080. */
  url: string;
  senderLocalpart: string;
  /** Users regexes to watch, non-exclusive: Parley observes, it does not own these users. */
  userRegexes: string[];
  roomRegexes?: string[];
  receiveEphemeral: boolean;
}

export interface Registration {
  id: string;
  url: string;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  rate_limited: boolean;
  receive_ephemeral: boolean;
  'de.sorunome.msc2409.push_ephemeral': boolean;
  namespaces: {
    users: { regex: string; exclusive: boolean }[];
    aliases: { regex: string; exclusive: boolean }[];
    rooms: { regex: string; exclusive: boolean }[];
  };
}

const token = () => randomBytes(32).toString('base64url');

/**
 * Parley's registration, as the CLI writes it by default; the ingest chart's defaults and the compose
 * init's template (generated from this by tools/charts/generate.ts) match it, and a test compares all three.
 */
export const PARLEY_REGISTRATION_DEFAULTS: Readonly<{
  id: string;
  senderLocalpart: string;
  userRegexes: readonly string[];
  receiveEphemeral: boolean;
}> = {
  id: 'parley',
  senderLocalpart: 'parley',
  userRegexes: ['@whatsapp_.*'],
  receiveEphemeral: true,
};

/**
 * A registration for Synapse's app_service_config_files with fresh random tokens. Namespaces are
 * non-exclusive: the bridge owns its ghosts; Parley only receives the events of rooms they are in.
 */
export function createRegistration(
  options: RegistrationOptions,
  tokens: { as: string; hs: string } = { as: token(), hs: token() },
): Registration {
  return {
    id: options.id,
    url: options.url,
    as_token: tokens.as,
    hs_token: tokens.hs,
    sender_localpart: options.senderLocalpart,
    rate_limited: false,
    receive_ephemeral: options.receiveEphemeral,
    'de.sorunome.msc2409.push_ephemeral': options.receiveEphemeral,
    namespaces: {
      users: options.userRegexes.map((regex) => ({ regex, exclusive: false })),
      aliases: [],
      rooms: (options.roomRegexes ?? []).map((regex) => ({ regex, exclusive: false })),
    },
  };
}

export function registrationYaml(registration: Registration): string {
  return `# Parley ingest appservice registration. Keep it secret: it holds the tokens.\n${stringify(registration)}`;
}
