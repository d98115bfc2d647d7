import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ensureComponent, required } from './components.ts';
import { uniqueName } from './unique.ts';

export interface TestKafka {
  brokers: string[];
  version: string;
  /** A kafkajs client with a unique client id and logging kept to errors. */
  client(clientId?: string): Kafka;
  /** Creates a topic with a unique name and returns the name. */
  createTopic(prefix: string, partitions?: number): Promise<string>;
}

export async function startKafka(): Promise<TestKafka> {
  const env = await ensureComponent('kafka');
  const brokers = [required(env, 'KAFKA_BROKERS', 'kafka')];
  const client = (clientId = uniqueName('test')) =>
    new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 8, initialRetryTime: 100 } });
  return {
    brokers,
    version: env['KAFKA_VERSION'] ?? 'unknown',
    client,
    async createTopic(prefix, partitions = 3) {
      const topic = uniqueName(prefix);
      const admin: Admin = client().admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
      return topic;
    },
  };
}
