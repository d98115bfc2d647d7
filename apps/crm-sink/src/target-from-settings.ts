import { defaultTaxonomyPath, loadTaxonomy, TaxonomyError } from '@parley/classification';
import {
  DEFAULT_FOLLOW_UPS,
  FollowUpConfigError,
  loadFollowUpConfig,
  NdjsonTarget,
  type FollowUpConfig,
} from '@parley/crm';
import { ConfigError, type Logger } from '@parley/service-runtime';
import {
  DataModelPermissionError,
  parleySchema,
  TwentyClient,
  TwentyPacer,
  TwentyTarget,
  type TwentyClientOptions,
} from '@parley/twenty';
import type { z } from 'zod';
import type { crmSinkSettings } from './settings.ts';

export type Settings = z.output<z.ZodObject<typeof crmSinkSettings>>;

const problem = (setting: string, message: string) => new ConfigError([{ setting, problem: message }], 'crm-sink');

export function followUpsFromSettings(config: Settings): FollowUpConfig {
  if (config.PARLEY_FOLLOW_UP_RULES_FILE === undefined) return DEFAULT_FOLLOW_UPS;
  try {
    return loadFollowUpConfig(config.PARLEY_FOLLOW_UP_RULES_FILE);
  } catch (error) {
    if (error instanceof FollowUpConfigError) throw problem('PARLEY_FOLLOW_UP_RULES_FILE', error.message);
    throw error;
  }
}

export function intentsFromSettings(config: Settings): string[] {
  try {
    return loadTaxonomy(config.PARLEY_TAXONOMY_FILE ?? defaultTaxonomyPath()).intents.map((i) => i.name);
  } catch (error) {
    if (error instanceof TaxonomyError) throw problem('PARLEY_TAXONOMY_FILE', error.message);
    throw error;
  }
}

export type BuiltTarget = { kind: 'twenty'; target: TwentyTarget } | { kind: 'ndjson'; target: NdjsonTarget };

/** The CRM target the settings ask for; Twenty needs both its URL and an API key. */
export function targetFromSettings(
  config: Settings,
  signal: AbortSignal,
  onAttempt?: TwentyClientOptions['onAttempt'],
): BuiltTarget {
  const kind =
    config.PARLEY_CRM_TARGET === 'auto' ? (config.PARLEY_TWENTY_URL ? 'twenty' : 'ndjson') : config.PARLEY_CRM_TARGET;
  if (kind === 'ndjson') return { kind, target: new NdjsonTarget(config.PARLEY_NDJSON_PATH) };
  if (config.PARLEY_TWENTY_URL === undefined)
    throw problem('PARLEY_TWENTY_URL', 'required when the CRM target is twenty');
  if (config.PARLEY_TWENTY_API_KEY === undefined)
    throw problem(
      'PARLEY_TWENTY_API_KEY',
      'required when the CRM target is twenty (Settings → APIs & Webhooks in Twenty)',
    );
  const client = twentyClient(config, signal, onAttempt);
  return { kind, target: new TwentyTarget(client, parleySchema(intentsFromSettings(config))) };
}

export function twentyClient(
  config: Settings,
  signal: AbortSignal,
  onAttempt?: TwentyClientOptions['onAttempt'],
): TwentyClient {
  return new TwentyClient({
    baseUrl: config.PARLEY_TWENTY_URL ?? '',
    apiKey: config.PARLEY_TWENTY_API_KEY ?? '',
    pacer: new TwentyPacer({
      limits: {
        longLimit: config.PARLEY_TWENTY_RATE_LIMIT,
        longTtlMs: config.PARLEY_TWENTY_RATE_WINDOW_MS,
        shortLimit: config.PARLEY_TWENTY_RATE_SHORT_LIMIT,
        shortTtlMs: config.PARLEY_TWENTY_RATE_SHORT_WINDOW_MS,
      },
      marginMs: config.PARLEY_TWENTY_PACING_MARGIN_MS,
    }),
    requestTimeoutMs: config.PARLEY_TWENTY_TIMEOUT_MS,
    backoffMaxMs: config.PARLEY_TWENTY_BACKOFF_MAX_MS,
    signal,
    ...(onAttempt ? { onAttempt } : {}),
  });
}

/**
 * Twenty's schema bootstrap (PARLEY_TWENTY_BOOTSTRAP) as the sink's preparation. Without the permission
 * to change the data model, records are still written where the schema is already in place; what needs
 * the permission (a new intent's select option) waits for a key that has it, and `/readyz` says so.
 */
export function prepareFromSettings(
  config: Settings,
  built: BuiltTarget,
  logger: Logger,
): { prepareTarget?: () => Promise<string>; preparationPending?: () => boolean } {
  if (built.kind !== 'twenty' || !config.PARLEY_TWENTY_BOOTSTRAP) return {};
  const twenty = built.target;
  return {
    prepareTarget: async () => {
      try {
        const report = await twenty.bootstrap();
        logger.info({ created: report.created, updated: report.updated }, 'Twenty workspace bootstrapped');
        return '';
      } catch (error) {
        if (!(error instanceof DataModelPermissionError)) throw error;
        logger.warn({ call: error.call }, `Twenty bootstrap skipped: ${error.message}`);
        return `; schema not checked: ${error.message}`;
      }
    },
    preparationPending: () => !twenty.schemaKnown,
  };
}
