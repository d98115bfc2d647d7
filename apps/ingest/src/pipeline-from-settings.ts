import { readFileSync } from 'node:fs';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_NAME_DECORATIONS,
  EventPipeline,
  parseGhostRules,
  parseNameDecorations,
  readBridgeRegistration,
  type BridgeRegistration,
  RoomStateCache,
  type HomeserverClient,
  type GhostRule,
  type IdentityContext,
} from '@parley/matrix';
import { ConfigError, errorMessage } from '@parley/service-runtime';
import type { z } from 'zod';
import type { ingestSettings } from './settings.ts';

export type IngestConfig = z.output<z.ZodObject<typeof ingestSettings>>;

/** The settings that say who is who (the `inspect` command reads only these). */
export type IdentitySettings = Pick<
  IngestConfig,
  | 'PARLEY_BRIDGE_REGISTRATION_FILES'
  | 'PARLEY_GHOST_RULES'
  | 'PARLEY_CUSTOMER_USERS_REGEX'
  | 'PARLEY_BUSINESS_USERS_REGEX'
  | 'PARLEY_NAME_DECORATIONS'
  | 'PARLEY_BRIDGE_BOTS_REGEX'
>;

/** Who is a ghost, and who is the customer: from settings, shared by every ingest mode. */
export function identityFromSettings(config: IdentitySettings): IdentityContext {
  let ghostRules: readonly GhostRule[] = DEFAULT_GHOST_RULES;
  try {
    if (config.PARLEY_GHOST_RULES) ghostRules = parseGhostRules(config.PARLEY_GHOST_RULES);
  } catch (error) {
    throw new ConfigError([{ setting: 'PARLEY_GHOST_RULES', problem: errorMessage(error) }], 'ingest');
  }
  const bridges = bridgesFromSettings(config);
  ghostRules = [...bridges.map((b) => b.ghostRule), ...ghostRules];
  let decorations = DEFAULT_NAME_DECORATIONS;
  try {
    if (config.PARLEY_NAME_DECORATIONS) decorations = parseNameDecorations(config.PARLEY_NAME_DECORATIONS);
  } catch (error) {
    throw new ConfigError([{ setting: 'PARLEY_NAME_DECORATIONS', problem: errorMessage(error) }], 'ingest');
  }
  return {
    ghostRules,
    decorations,
    ...(config.PARLEY_BRIDGE_BOTS_REGEX && { bridgeBots: new RegExp(config.PARLEY_BRIDGE_BOTS_REGEX) }),
    sideRule: {
      ghostsAreCustomers: true,
      ...(config.PARLEY_CUSTOMER_USERS_REGEX && { customers: new RegExp(config.PARLEY_CUSTOMER_USERS_REGEX) }),
      ...(config.PARLEY_BUSINESS_USERS_REGEX && { business: new RegExp(config.PARLEY_BUSINESS_USERS_REGEX) }),
    },
  };
}

/** The bridges whose registration files the settings name; a file that cannot be read stops ingest. */
export function bridgesFromSettings(
  config: Pick<IngestConfig, 'PARLEY_BRIDGE_REGISTRATION_FILES'>,
): BridgeRegistration[] {
  return (config.PARLEY_BRIDGE_REGISTRATION_FILES ?? []).map((file) => {
    try {
      return readBridgeRegistration(readFileSync(file, 'utf8'), file);
    } catch (error) {
      throw new ConfigError([{ setting: 'PARLEY_BRIDGE_REGISTRATION_FILES', problem: errorMessage(error) }], 'ingest');
    }
  });
}

/** The event pipeline of every ingest mode: normalisation with a bounded, self-filling room cache. */
export function pipelineFromSettings(config: IngestConfig, homeserver: HomeserverClient): EventPipeline {
  // Only an appservice can read a room as another user; a sync user reads it as itself.
  const namespaces = [
    config.PARLEY_AS_USER_NAMESPACE,
    ...bridgesFromSettings(config).flatMap((b) => b.userRegexes.map((r) => r.replace(/^\^|\$$/g, ''))),
  ];
  const namespace = config.PARLEY_INGEST_MODE === 'appservice' ? new RegExp(`^(?:${namespaces.join('|')})$`) : /$^/;
  return new EventPipeline({
    homeserver: config.PARLEY_HOMESERVER_NAME,
    identity: identityFromSettings(config),
    rooms: new RoomStateCache({
      maxRooms: config.PARLEY_ROOM_CACHE_SIZE,
      maxMembersPerRoom: 200,
      fetcher: (roomId, asUser) => homeserver.roomState(roomId, asUser),
    }),
    canActAs: (userId) => namespace.test(userId),
  });
}
