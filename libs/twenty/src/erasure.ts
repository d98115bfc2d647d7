import type { TwentyClient } from './client.ts';
import { recordsOf } from './client.ts';
import { z } from 'zod';
import { TwentyRequestError } from './errors.ts';

/** GET /rest/tasks/{id}: only whether Parley made it (its key). */
const TaskKey = z.object({ data: z.object({ task: z.looseObject({ parleyKey: z.string().nullish() }) }) });

/** How a person to forget is named. */
export type ErasureSubject =
  { kind: 'person'; id: string } | { kind: 'phone'; phone: string } | { kind: 'matrix'; userId: string };

export interface ErasureResult {
  /** The CRM person removed, if one was found. */
  personId: string | undefined;
  /** Rooms their chat messages came from (for the compacted topics' tombstones). */
  roomIds: string[];
  removed: { people: number; chatMessages: number; conversations: number; tasks: number };
}

const PAGE = 200;
const filter = (field: string, value: string) => encodeURIComponent(`${field}[eq]:${JSON.stringify(value)}`);

/**
 * Removes a person and what Parley wrote about them from Twenty, for good (hard deletes): their chat
 * messages and conversations, the follow-up tasks Parley created for them (a task with a parleyKey, through its
 * taskTarget), then the person. Tasks people made by hand stay. Running it again finds nothing more.
 */
export async function forgetPerson(client: TwentyClient, subject: ErasureSubject): Promise<ErasureResult> {
  const personId = await findPerson(client, subject);
  const result: ErasureResult = {
    personId,
    roomIds: [],
    removed: { people: 0, chatMessages: 0, conversations: 0, tasks: 0 },
  };
  if (personId === undefined) return result;
  const rooms = new Set<string>();
  for (const [object, counter] of [
    ['chatMessages', 'chatMessages'],
    ['conversations', 'conversations'],
  ] as const) {
    // Deleting shrinks the list: read the first page again until none is left.
    for (;;) {
      const records = await recordsOrNone(client, `/rest/${object}?filter=${filter('personId', personId)}`);
      if (records.length === 0) break;
      for (const record of records) {
        if (typeof record.roomId === 'string') rooms.add(record.roomId);
        await client.delete(`/rest/${object}/${String(record.id)}`);
        result.removed[counter] += 1;
      }
    }
  }
  const targets = recordsOf(
    await client.get(`/rest/taskTargets?filter=${filter('targetPersonId', personId)}&limit=${String(PAGE)}`),
  );
  for (const target of targets) {
    const taskId = target.taskId;
    if (typeof taskId !== 'string') continue;
    const parleyKey = TaskKey.safeParse(await client.get(`/rest/tasks/${taskId}`)).data?.data.task.parleyKey;
    await client.delete(`/rest/taskTargets/${String(target.id)}`);
    if (typeof parleyKey === 'string' && parleyKey !== '') {
      await client.delete(`/rest/tasks/${taskId}`);
      result.removed.tasks += 1;
    }
  }
  await client.delete(`/rest/people/${personId}`);
  result.removed.people = 1;
  result.roomIds = [...rooms].sort();
  return result;
}

/** A page of records; none when the workspace lacks the object (bootstrapped by an older Parley). */
async function recordsOrNone(client: TwentyClient, path: string) {
  try {
    return recordsOf(await client.get(`${path}&limit=${String(PAGE)}`));
  } catch (error) {
    // Twenty answers an unknown object with 400 "object '<plural>' not found".
    if (error instanceof TwentyRequestError && error.status === 400 && /object '\w+' not found/.test(error.message))
      return [];
    throw error;
  }
}

async function findPerson(client: TwentyClient, subject: ErasureSubject): Promise<string | undefined> {
  const byField = async (field: string, value: string) => {
    const [person] = recordsOf(await client.get(`/rest/people?filter=${filter(field, value)}&limit=1`));
    return typeof person?.id === 'string' ? person.id : undefined;
  };
  switch (subject.kind) {
    case 'person':
      return byField('id', subject.id);
    case 'phone':
      return byField('whatsappId', subject.phone);
    case 'matrix':
      return byField('matrixId', subject.userId);
  }
}
