import { RoomStateV1, type TopicRecord } from '@parley/contracts';
import { CrmPlanner, CrmSync, ROOM_KEY_PREFIX, type RoomMemory } from '@parley/crm';
import { CompactedTopicMap, KafkaWorker, TopicFollower, type WorkerContext } from '@parley/kafka';
import { errorMessage, type ServiceDefinition } from '@parley/service-runtime';
import { DataModelPermissionError } from '@parley/twenty';
import { Counter } from 'prom-client';
import { crmSinkSettings } from './settings.ts';
import { followUpsFromSettings, targetFromSettings } from './target-from-settings.ts';

/** crm-sink: writes classified conversations from Kafka into Twenty CRM (or an NDJSON file). */
export const crmSinkService: ServiceDefinition<typeof crmSinkSettings> = {
  name: 'crm-sink',
  settings: crmSinkSettings,
  wire: async (context) => {
    const { config, logger, readiness, metrics } = context;
    const stop = new AbortController();
    const requests = new Counter({
      name: 'parley_crm_requests_total',
      help: 'Requests to the CRM by status (429 and 5xx are retried)',
      labelNames: ['status'],
      registers: [metrics],
    });
    const outcomes = new Counter({
      name: 'parley_crm_classifications_total',
      help: 'Classifications by outcome',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    const followUps = followUpsFromSettings(config);
    const built = targetFromSettings(config, stop.signal, (attempt) => {
      requests.inc({ status: String(attempt.status) });
      if (attempt.retryInMs !== undefined)
        logger.debug(
          { status: attempt.status, path: attempt.path, retryInMs: attempt.retryInMs },
          'CRM request retried',
        );
    });
    readiness.expect('crm', `${built.kind} not written to yet`);

    let sync: CrmSync | undefined;
    let lastInputAt = 0;
    const worker = new KafkaWorker({
      ...context,
      consume: {
        kind: 'batch',
        maxBatch: config.PARLEY_CRM_BATCH,
        minBytes: config.PARLEY_KAFKA_MIN_BYTES,
        maxWaitTimeInMs: config.PARLEY_KAFKA_MAX_WAIT_MS,
        handle: (messages, partition, heartbeat) => {
          lastInputAt = Date.now();
          if (!sync) throw new Error('consuming before the CRM sync was built');
          return sync.handle(
            messages.map((m) => ({ value: m.value, partition, offset: m.offset })),
            heartbeat,
          );
        },
      },
      beforeConsuming: async ({ kafka }) => {
        try {
          sync = await startSync(kafka);
        } catch (error) {
          readiness.report('crm', false, `could not start: ${errorMessage(error)}`);
          throw error;
        }
      },
    });
    const stopping = () => worker.stopping;
    const publish = (records: TopicRecord[]) => (records.length > 0 ? worker.producer.publish(records) : undefined);

    // A room's name that arrives after its messages renames their records, once (see renameRooms).
    let renameTimer: NodeJS.Timeout | undefined;
    const scheduleRenames = () => {
      if (renameTimer !== undefined || stopping()) return;
      renameTimer = setTimeout(() => {
        renameTimer = undefined;
        sync
          ?.renameRooms()
          .then(publish)
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'renaming rooms in the CRM failed; tried again with the next room update');
          });
      }, 1000);
    };
    const rooms = new TopicFollower(
      worker.kafka,
      config.PARLEY_ROOMS_TOPIC,
      (value) => {
        const parsed = RoomStateV1.safeParse(value);
        return parsed.success ? parsed.data : undefined;
      },
      () => {
        scheduleRenames();
      },
    );

    /** Once Kafka answers: the Twenty schema, the sink's memory and the room names, then the sync. */
    const startSync = async (kafka: WorkerContext['kafka']): Promise<CrmSync> => {
      let schemaNote = '';
      if (built.kind === 'twenty' && config.PARLEY_TWENTY_BOOTSTRAP) {
        try {
          const report = await built.target.bootstrap();
          logger.info({ created: report.created, updated: report.updated }, 'Twenty workspace bootstrapped');
        } catch (error) {
          if (!(error instanceof DataModelPermissionError)) throw error;
          // Records can still be written where the schema is already in place; what needs the
          // permission (a new intent's select option) waits for a key that has it.
          schemaNote = `; schema not checked: ${error.message}`;
          logger.warn({ call: error.call }, `Twenty bootstrap skipped: ${error.message}`);
        }
      }
      const stateStore = new CompactedTopicMap<RoomMemory>(kafka, config.PARLEY_STATE_TOPIC, ROOM_KEY_PREFIX);
      const restored = [...(await stateStore.load()).entries()].map(([key, memory]): [string, RoomMemory] => [
        key.slice(ROOM_KEY_PREFIX.length),
        memory,
      ]);
      await rooms.start();
      const planner = new CrmPlanner({
        followUps,
        conversationUrl: config.PARLEY_CONVERSATION_URL,
        roomName: (roomId) => rooms.get(roomId)?.name,
        restored,
      });
      const created = new CrmSync({
        planner,
        target: built.target,
        topics: {
          input: config.PARLEY_INPUT_TOPIC,
          state: config.PARLEY_STATE_TOPIC,
          deadLetters: config.PARLEY_DLQ_TOPIC,
        },
        source: 'parley/crm-sink',
        logger,
        stopping,
        onTargetState: (ready, detail) => {
          // Until a bootstrap succeeds, /readyz keeps saying the schema was not checked, and why.
          const unchecked = built.kind === 'twenty' && !built.target.schemaKnown ? schemaNote : '';
          readiness.report('crm', ready, `${detail}${unchecked}`);
        },
        onOutcome: (outcome, count) => {
          outcomes.inc({ outcome }, count);
        },
      });
      readiness.report('crm', true, `${built.kind} ready${schemaNote}`);
      // Names that arrived while the sink was down, for rooms it remembers.
      setImmediate(scheduleRenames);
      return created;
    };

    // Unanswered customers in rooms that went quiet: checked by the wall clock once input has caught
    // up (a replay of old history must not raise tasks its later messages would have prevented).
    const dueTimer = setInterval(() => {
      if (sync === undefined || Date.now() - lastInputAt < config.PARLEY_FOLLOW_UP_CHECK_MS) return;
      sync
        .flushDue(Date.now())
        .then(publish)
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'follow-up check failed');
        });
    }, config.PARLEY_FOLLOW_UP_CHECK_MS);

    void worker.start();

    return {
      close: async () => {
        clearInterval(dueTimer);
        clearTimeout(renameTimer);
        // The in-flight run finishes (written, published, committed) before the consumer leaves; the
        // sync stops retrying a CRM that is down once the worker is stopping.
        await worker.close();
        stop.abort();
        await rooms.stop();
        await built.target.close();
      },
    };
  },
};
