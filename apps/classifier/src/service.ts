import { ClassificationStage, stageMetrics } from '@parley/classification';
import { KafkaWorker } from '@parley/kafka';
import type { ServiceDefinition } from '@parley/service-runtime';
import { classifierSettings } from './settings.ts';

/** classifier: labels chat messages from Kafka with a local LLM and produces the labels to Kafka. */
export const classifierService: ServiceDefinition<typeof classifierSettings> = {
  name: 'classifier',
  settings: classifierSettings,
  wire: async (context) => {
    const { config, logger, readiness, metrics } = context;
    let stopping = false;
    const stage = new ClassificationStage({
      settings: config,
      service: 'classifier',
      readiness,
      logger,
      metrics: stageMetrics(metrics),
      stopping: () => stopping,
    });
    const worker = new KafkaWorker({
      ...context,
      consume: {
        kind: 'ordered',
        concurrency: config.PARLEY_CLASSIFIER_CONCURRENCY,
        handle: (message, partition, heartbeat) => stage.handle(message, partition, heartbeat),
      },
    });
    void stage.prepare();
    void worker.start();
    return {
      close: async () => {
        stopping = true;
        await worker.close();
      },
    };
  },
};
