import { defaultTaxonomyPath, loadTaxonomy, TaxonomyError } from '@parley/classification';
import {
  DEFAULT_FOLLOW_UPS,
  FollowUpConfigError,
  loadFollowUpConfig,
  NdjsonTarget,
  type FollowUpConfig,
} from '@parley/crm';
import { ConfigError } from '@parley/service-runtime';
import { parleySchema, TwentyClient, TwentyPacer, TwentyTarget, type TwentyClientOptions } from '@parley/twenty';
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
