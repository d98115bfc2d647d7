import type { Admin, ITopicConfig, Kafka } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic-level configs, e.g. cleanup.policy, retention.ms. */
  config: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet; existing topics are left as they are (their partition
 * count and configs belong to whoever runs the cluster once created).
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  replicationFactor = -1,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length === 0) return [];
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.name,
    numPartitions: s.partitions,
    replicationFactor,
    configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
  }));
  await admin.createTopics({ topics, waitForLeaders: true });
  return missing.map((s) => s.name);
}

/**
 * A real round trip to the cluster (kafkajs reports clients as connected long after a broker went
 * away), then the topics created when `create` says so. Returns the names it created.
 */
export async function reachCluster(kafka: Kafka, create: boolean, specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeCluster();
    return create ? await ensureTopics(admin, specs) : [];
  } finally {
    await admin.disconnect();
  }
}
