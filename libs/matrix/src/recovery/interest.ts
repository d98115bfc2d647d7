import { isRecord, obj } from '../model/client-event.ts';
/**
 * Tells which events of a room's history the homeserver sent to the appservice, reading the history
 * newest first. Synapse sends an appservice an event when its sender is in the user namespace, when it
 * is the membership of a namespaced user, or when a namespaced user is joined to the room at the time
 * (ApplicationService.is_interested_in_event). Catch-up and the order check compare history with what
 * reached the topic; without this they would take a portal's set-up events, sent before any ghost
 * joined, for events the homeserver lost.
 */
export class AppserviceInterest {
  private readonly inNamespace: (userId: string) => boolean;
  private readonly joined: Set<string>;

  /** `joinedAfter`: namespaced users known to be joined after the newest event that will be read. */
  constructor(inNamespace: (userId: string) => boolean, joinedAfter: Iterable<string>) {
    this.inNamespace = inNamespace;
    this.joined = new Set([...joinedAfter].filter((u) => inNamespace(u)));
  }

  /** Call with each event, newest first; says whether the homeserver would have sent it. */
  sentToAppservice(event: unknown): boolean {
    const record = isRecord(event) ? event : {};
    const sender = typeof record['sender'] === 'string' ? record['sender'] : undefined;
    const stateKey = typeof record['state_key'] === 'string' ? record['state_key'] : undefined;
    const namespacedSender = sender !== undefined && this.inNamespace(sender);
    const namespacedMember =
      record['type'] === 'm.room.member' && stateKey !== undefined && this.inNamespace(stateKey) ? stateKey : undefined;
    const sent = namespacedSender || namespacedMember !== undefined || this.joined.size > 0;

    // Step back past this event: who was joined before it.
    if (namespacedMember !== undefined) {
      if (previousMembership(record) === 'join') this.joined.add(namespacedMember);
      else this.joined.delete(namespacedMember);
    } else if (namespacedSender) {
      // Only a joined user can send to a room.
      this.joined.add(sender);
    }
    return sent;
  }
}

function previousMembership(record: Record<string, unknown>): unknown {
  return obj(obj(record, 'unsigned'), 'prev_content')?.['membership'];
}
