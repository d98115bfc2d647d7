import { kafkaSettings } from '@parley/kafka';
import { setting } from '@parley/service-runtime';
import { z } from 'zod';

const regex = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a valid regular expression' },
);

/** ingest's own settings (the base HTTP, logging and drain settings come from service-runtime). */
export const ingestSettings = {
  ...kafkaSettings('parley-ingest'),
  /** appservice: the homeserver pushes transactions (primary); sync: long-poll /sync as a user. */
  PARLEY_INGEST_MODE: z.enum(['appservice', 'sync']).default('appservice'),
  PARLEY_HOMESERVER_URL: setting.url(),
  PARLEY_HOMESERVER_NAME: z.string().min(1, 'the homeserver server_name, e.g. example.com'),
  PARLEY_AS_REGISTRATION_FILE: z.string().optional(),
  PARLEY_AS_ID: z.string().min(1).optional(),
  PARLEY_AS_TOKEN: z.string().min(1).optional(),
  PARLEY_HS_TOKEN: z.string().min(1).optional(),
  PARLEY_AS_ALLOW_QUERY_TOKEN: setting.flag(false),
  PARLEY_AS_USER_NAMESPACE: regex.default('@whatsapp_.*'),
  PARLEY_AS_PING_ON_START: setting.flag(true),
  /** After each recovery, wait this long (the homeserver resends what it held), then catch up. */
  PARLEY_AS_CATCH_UP_DELAY_MS: setting.duration(30_000),
  /** How far back before a recovery the catch-up reads room history; 0 turns catch-up off. */
  PARLEY_AS_CATCH_UP_LOOKBACK_MS: setting.duration(120_000),
  /** Catch-up leaves events younger than this to the homeserver, which may still be delivering them. */
  PARLEY_AS_CATCH_UP_SETTLE_MS: setting.duration(10_000),
  /**
   * From each recovery until the homeserver has been quiet for PARLEY_AS_CATCH_UP_DELAY_MS, check each
   * transaction's predecessors in room history, so events the homeserver skipped arrive in order.
   */
  PARLEY_AS_ORDER_CHECK: setting.flag(true),
  PARLEY_SYNC_USER_ID: z
    .string()
    .regex(/^@[^:]+:.+$/, 'expected a Matrix user id')
    .optional(),
  PARLEY_SYNC_ACCESS_TOKEN: z.string().min(1).optional(),
  PARLEY_GHOST_RULES: z.string().optional(),
  /**
   * Bridges' own registration files (comma-separated): their ghost namespaces become ghost rules (before
   * PARLEY_GHOST_RULES and the defaults) and users ingest may read rooms as, whatever username_template.
   */
  PARLEY_BRIDGE_REGISTRATION_FILES: setting.list().optional(),
  PARLEY_CUSTOMER_USERS_REGEX: regex.optional(),
  PARLEY_BUSINESS_USERS_REGEX: regex.optional(),
  /** Bridge decorations removed from room and display names, as protocol=regex pairs (default " (WA)" etc.). */
  PARLEY_NAME_DECORATIONS: z.string().optional(),
  /** Bridge bots by user id, which tell a bridge's management room (default: mautrix's bot names). */
  PARLEY_BRIDGE_BOTS_REGEX: regex.optional(),
  PARLEY_ROOM_CACHE_SIZE: setting.positiveInt(10_000),
  /**
   * At start-up (appservice mode), republish the rooms-topic record of every room ingest's users wrote
   * in within the lookback, read fresh from the homeserver (the `directory` command does it on demand).
   */
  PARLEY_ROOM_DIRECTORY_ON_START: setting.flag(false),
  PARLEY_ROOM_DIRECTORY_LOOKBACK_MS: setting.duration(7 * 24 * 60 * 60_000),
};
