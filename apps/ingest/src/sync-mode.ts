import { HomeserverClient, SyncLoop } from '@parley/matrix';
import { ConfigError, type RunningService, type ServiceContext } from '@parley/service-runtime';
import { kafkaOutput } from './kafka-output.ts';
import { pipelineFromSettings, type IngestConfig } from './pipeline-from-settings.ts';
import { z } from 'zod';

/** The stored sync position: the since-token of the last batch produced. */
const SyncPosition = z.object({ token: z.string().min(1) });

/**
 * For deployments that cannot register an appservice: long-poll /sync as a user, resuming from the
 * since-token stored on the compacted state topic.
 */
export async function wireSyncMode(context: ServiceContext<IngestConfig>): Promise<RunningService> {
  const { config, logger, readiness, metrics } = context;
  const userId = config.PARLEY_SYNC_USER_ID;
  const accessToken = config.PARLEY_SYNC_ACCESS_TOKEN;
  if (!userId || !accessToken) {
    throw new ConfigError(
      [
        ...(userId ? [] : [{ setting: 'PARLEY_SYNC_USER_ID', problem: 'required when PARLEY_INGEST_MODE=sync' }]),
        ...(accessToken
          ? []
          : [{ setting: 'PARLEY_SYNC_ACCESS_TOKEN', problem: 'required when PARLEY_INGEST_MODE=sync' }]),
      ],
      'ingest',
    );
  }
  readiness.expect('homeserver', 'first sync pending');
  const homeserver = new HomeserverClient({ baseUrl: config.PARLEY_HOMESERVER_URL, asToken: accessToken });
  const key = `sync/${config.PARLEY_HOMESERVER_NAME}/${userId}`;
  let loop: SyncLoop | undefined;
  const output = kafkaOutput(
    config,
    logger,
    readiness,
    async (firstTime) => {
      if (!firstTime) return;
      const tokens = output.stateMap(key, SyncPosition);
      loop = new SyncLoop({
        client: homeserver,
        homeserver: config.PARLEY_HOMESERVER_NAME,
        pipeline: pipelineFromSettings(config, homeserver),
        sink: output.producer,
        tokens: {
          load: async () => (await tokens.load()).get(key)?.token,
          save: (token) => tokens.set(output.producer, key, { token }),
        },
        logger,
        onHealth: (healthy, detail) => {
          readiness.report('homeserver', healthy, detail);
        },
      });
      loop.start();
    },
    metrics,
  );
  void output.worker.start();
  return {
    close: async () => {
      await output.worker.halt();
      await loop?.stop();
      await output.worker.close();
    },
  };
}
