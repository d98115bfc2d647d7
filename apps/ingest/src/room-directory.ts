import { TOPICS } from '@parley/contracts';
import type { AcknowledgedProducer } from '@parley/kafka';
import { roomDirectoryRecords, type EventPipeline, type HomeserverClient } from '@parley/matrix';
import type { Kafka } from 'kafkajs';
import { recentActivityLoader } from './catch-up.ts';

export interface DirectoryPassResult {
  rooms: number;
  published: number;
  failed: string[];
}

/**
 * The rooms ingest's users are in, and who may read each: every room on the events topic since
 * `sinceMs` with a sender in the appservice namespace, plus the rooms `extraUsers` have joined.
 * Each room's state is read fresh and its record produced to the rooms topic (`all`: even when
 * unchanged since this process last published it).
 */
export async function publishRoomDirectory(deps: {
  kafka: Kafka;
  producer: AcknowledgedProducer;
  pipeline: EventPipeline;
  homeserver: HomeserverClient;
  sinceMs: number;
  extraUsers?: readonly string[];
  all: boolean;
}): Promise<DirectoryPassResult> {
  const readers = new Map((await recentActivityLoader(deps.kafka, deps.pipeline)(deps.sinceMs)).readers);
  for (const user of deps.extraUsers ?? []) {
    const joined = await deps.homeserver.joinedRooms(user);
    for (const roomId of joined) if (!readers.has(roomId)) readers.set(roomId, user);
  }
  const { records, failed } = await roomDirectoryRecords(readers, {
    client: deps.homeserver,
    directory: deps.pipeline.directory,
    all: deps.all,
  });
  if (records.length > 0) await deps.producer.publish(records);
  return { rooms: readers.size, published: records.filter((r) => r.topic === TOPICS.matrixRooms).length, failed };
}
