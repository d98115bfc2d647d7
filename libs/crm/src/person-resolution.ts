import type { IdentityGraph, PersonChange } from '@parley/identity';
import { identityOfKey } from './contacts.ts';
import type { ContactRecord, CrmBatch } from './records.ts';

/**
 * One CRM person across channels: every record of a batch is put on the person its contact belongs to
 * (`graph`). A linked contact's labels and rollup go onto the person's contact; its own identity and name
 * stay on its own CRM record (marked `mergedInto`). Contacts whose person changed (`moves`) become
 * reassignments, and both persons involved get their list of linked identities again.
 */
export function resolvePeople(batch: CrmBatch, graph: IdentityGraph, moves: readonly PersonChange[]): void {
  const personOf = (key: string) => graph.personOf(key);
  const linked = new Set<string>();
  for (const move of moves) {
    batch.contacts.push(identityOfKey(move.from), identityOfKey(move.to));
    linked.add(personOf(move.from));
    linked.add(personOf(move.to));
  }
  const people = new Map<string, ContactRecord>();
  for (const contact of batch.contacts) {
    const person = personOf(contact.key);
    const incoming = person === contact.key ? contact : labelsOnly(contact, person);
    const current = people.get(person);
    people.set(person, current === undefined ? incoming : combine(current, incoming));
  }
  // Every person written who is more than one contact says why (a replay, which merges nothing anew,
  // writes the same text), and so does every person a move changed.
  for (const person of people.keys()) if (graph.membersOf(person).length > 1) linked.add(person);
  for (const person of linked) {
    const contact = people.get(person) ?? identityOfKey(person);
    people.set(person, { ...contact, linkedIdentities: describeLinks(graph, person) });
  }
  batch.contacts = [...people.values()];
  batch.messages = batch.messages.map((message) => withPerson(message, personOf));
  batch.conversations = batch.conversations?.map((c) => (c.removed ? c : withPerson(c, personOf)));
  batch.followUps = batch.followUps.map((f) =>
    f.contactKey === null ? f : { ...f, contactKey: personOf(f.contactKey) },
  );
  if (moves.length > 0)
    batch.reassignments = [
      ...(batch.reassignments ?? []),
      ...moves.map((m) => ({
        contactKey: m.contactKey,
        personKey: m.to,
        mergedInto: m.to === m.contactKey ? null : m.to,
      })),
    ];
}

function withPerson<T extends { contactKey: string | null; personKey?: string }>(
  record: T,
  personOf: (key: string) => string,
): T {
  if (record.contactKey === null) return record;
  const person = personOf(record.contactKey);
  return person === record.contactKey ? record : { ...record, personKey: person };
}

/** What a linked contact brings to its person: labels and times, never its identity or name. */
function labelsOnly(contact: ContactRecord, person: string): ContactRecord {
  return {
    ...identityOfKey(person),
    ...(contact.lastIntent === undefined ? {} : { lastIntent: contact.lastIntent }),
    ...(contact.lastSentiment === undefined ? {} : { lastSentiment: contact.lastSentiment }),
    ...(contact.lastContactAt === undefined ? {} : { lastContactAt: contact.lastContactAt }),
    ...(contact.rollup === undefined ? {} : { rollup: contact.rollup }),
  };
}

/** Identity and name from whichever has them; labels from the latest contact. */
function combine(a: ContactRecord, b: ContactRecord): ContactRecord {
  const newer = (b.lastContactAt ?? '') >= (a.lastContactAt ?? '') ? b : a;
  const out: ContactRecord = { ...a, ...withoutLabels(b) };
  if (newer.lastIntent !== undefined) out.lastIntent = newer.lastIntent;
  if (newer.lastSentiment !== undefined) out.lastSentiment = newer.lastSentiment;
  if (newer.lastContactAt !== undefined) out.lastContactAt = newer.lastContactAt;
  return out;
}

function withoutLabels(contact: ContactRecord): ContactRecord {
  const { lastIntent: _i, lastSentiment: _s, lastContactAt: _t, ...rest } = contact;
  return rest;
}

/** The person's other contacts and why, one per line ("" when the person is one contact). */
export function describeLinks(graph: IdentityGraph, person: string): string {
  const why = graph.explain(person);
  const lines = why.members
    .filter((member) => member !== person)
    .map((member) => {
      const shared = why.shared.filter((s) => s.contactKey === member);
      const links = why.links.filter((l) => l.a === member || l.b === member);
      const reasons = [
        ...shared.map((s) => `same ${s.evidence.identifier} (seen ${s.evidence.at}, ${s.evidence.eventId})`),
        ...links.map((l) => `linked by ${l.by} at ${l.at}${l.note === undefined ? '' : `: ${l.note}`}`),
      ];
      return `${member}: ${reasons.length > 0 ? reasons.join('; ') : 'through another linked contact'}`;
    });
  return lines.join('\n');
}
