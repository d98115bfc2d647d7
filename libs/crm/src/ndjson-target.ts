import { open, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CrmBatch, CrmTarget, RejectedRecord } from './records.ts';

/**
 * Appends every record of a batch to an NDJSON file, one line each with its kind
 * ({"kind":"contact"|"message"|"followUp"|"conversation"|"reassignment", "record":{…}}), and syncs to disk before the write
 * resolves. Lines repeat on replay; consumers keep the last line per key, as with the CRM's upserts.
 */
export class NdjsonTarget implements CrmTarget {
  readonly name = 'ndjson';
  private readonly path: string;
  private file: FileHandle | undefined;

  constructor(path: string) {
    this.path = path;
  }

  async write(batch: CrmBatch): Promise<RejectedRecord[]> {
    const lines = [
      ...batch.contacts.map((record) => ({ kind: 'contact', key: record.key, record })),
      ...batch.messages.map((record) => ({ kind: 'message', key: record.externalId, record })),
      ...batch.followUps.map((record) => ({ kind: 'followUp', key: record.key, record })),
      ...(batch.conversations ?? []).map((record) => ({ kind: 'conversation', key: record.externalId, record })),
      ...(batch.reassignments ?? []).map((record) => ({ kind: 'reassignment', key: record.contactKey, record })),
    ];
    await this.append(lines);
    return [];
  }

  /** A room's name arrived after its messages: one line, `{"kind":"room","key":<room id>,"record":{…}}`. */
  async renameRoom(roomId: string, name: string): Promise<void> {
    await this.append([{ kind: 'room', key: roomId, record: { roomId, name } }]);
  }

  private async append(lines: readonly { kind: string; key: string; record: unknown }[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.file === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      this.file = await open(this.path, 'a');
    }
    await this.file.appendFile(lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    await this.file.datasync();
  }

  async close(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
  }
}
