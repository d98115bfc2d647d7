import { TOPICS } from '@parley/contracts';
import { consumerSettings, kafkaSettings } from '@parley/kafka';
import { setting } from '@parley/service-runtime';
import { z } from 'zod';

export const crmSinkSettings = {
  ...kafkaSettings('parley-crm-sink'),
  ...consumerSettings(TOPICS.classifications, 'parley-crm-sink'),
  PARLEY_ROOMS_TOPIC: z.string().min(1).default(TOPICS.matrixRooms),
  PARLEY_STATE_TOPIC: z.string().min(1).default(TOPICS.crmSinkState),
  PARLEY_DLQ_TOPIC: z.string().min(1).default(TOPICS.crmSinkDlq),
  /** Conversations with their support metrics (compacted); the sink also restores them from it. */
  PARLEY_CONVERSATIONS_TOPIC: z.string().min(1).default(TOPICS.conversations),
  /** Off: no conversations are tracked or published (and the topic is not read). */
  PARLEY_CONVERSATIONS: setting.flag(true),
  /** Operators' decisions that contacts are one person or two (compacted; `identity` writes them). */
  PARLEY_IDENTITY_DECISIONS_TOPIC: z.string().min(1).default(TOPICS.identityDecisions),
  /** Where `forget` records each erasure (without personal data). */
  PARLEY_AUDIT_TOPIC: z.string().min(1).default(TOPICS.audit),
  /** Classifications written per CRM batch at most: bigger batches mean fewer Twenty requests per message. */
  PARLEY_CRM_BATCH: setting.positiveInt(1000),
  /** The broker holds a fetch until this many bytes are there or the wait is over, so batches fill up. */
  PARLEY_KAFKA_MIN_BYTES: setting.positiveInt(64 * 1024),
  PARLEY_KAFKA_MAX_WAIT_MS: setting.positiveInt(1000),
  /** twenty, ndjson, or auto: Twenty when PARLEY_TWENTY_URL is set, the NDJSON file otherwise. */
  PARLEY_CRM_TARGET: z.enum(['auto', 'twenty', 'ndjson']).default('auto'),
  PARLEY_TWENTY_URL: setting.url().optional(),
  PARLEY_TWENTY_API_KEY: z.string().min(1).optional(),
  /**
   * Twenty's workspace rate limits (its API_RATE_LIMITING_LONG_* and _SHORT_* settings; defaults 100 per
   * minute and 100 per second). The sink models Twenty's throttler with them and paces every request so
   * that none is refused; set them to what the Twenty server is configured with.
   */
  PARLEY_TWENTY_RATE_LIMIT: setting.positiveInt(100),
  PARLEY_TWENTY_RATE_WINDOW_MS: setting.positiveInt(60_000),
  PARLEY_TWENTY_RATE_SHORT_LIMIT: setting.positiveInt(100),
  PARLEY_TWENTY_RATE_SHORT_WINDOW_MS: setting.positiveInt(1_000),
  /** How much later than the sink sent it Twenty may read a request's time (network and queueing jitter). */
  PARLEY_TWENTY_PACING_MARGIN_MS: setting.positiveInt(50),
  PARLEY_TWENTY_TIMEOUT_MS: setting.positiveInt(30_000),
  PARLEY_TWENTY_BACKOFF_MAX_MS: setting.positiveInt(60_000),
  /** Create missing objects and fields at start-up; off when a platform team manages the schema. */
  PARLEY_TWENTY_BOOTSTRAP: setting.flag(true),
  PARLEY_NDJSON_PATH: z.string().min(1).default('crm-records.ndjson'),
  /** Taxonomy whose intents become Twenty's select options (the classifier's file). */
  PARLEY_TAXONOMY_FILE: z.string().optional(),
  PARLEY_FOLLOW_UP_RULES_FILE: z.string().optional(),
  /** Link in follow-up tasks; {roomId} and {eventId} are filled in. */
  PARLEY_CONVERSATION_URL: z.string().min(1).default('https://matrix.to/#/{roomId}/{eventId}'),
  /** How often quiet rooms are checked for unanswered customers (wall clock). */
  PARLEY_FOLLOW_UP_CHECK_MS: setting.positiveInt(60_000),
};
