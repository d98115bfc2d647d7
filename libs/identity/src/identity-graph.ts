import { identityDecisionKey, type IdentityDecisionV1 } from '@parley/contracts';
import { z } from 'zod';

/**
 * An identifier a contact was seen with, and where first: a phone number (`phone:+<E.164>`, from a
 * WhatsApp number or another bridge's remote id) or a WhatsApp LID (`lid:<digits>`). Two contacts seen
 * with one identifier are one person.
 */
export const Evidence = z.object({
  identifier: z.string().regex(/^(phone:\+[1-9]\d{6,14}|lid:\d+)$/),
  at: z.iso.datetime(),
  eventId: z.string(),
});
export type Evidence = z.infer<typeof Evidence>;

/** A contact that now belongs to another person than before (a merge, or its reversal). */
export interface PersonChange {
  contactKey: string;
  from: string;
  to: string;
}

/** Why a contact is part of its person: the identifiers it shares, and the operators' links. */
export interface Explanation {
  person: string;
  members: string[];
  shared: { contactKey: string; evidence: Evidence }[];
  links: IdentityDecisionV1[];
  /** Operators' decisions keeping contacts of this person's evidence apart. */
  separations: IdentityDecisionV1[];
}

/**
 * Contacts linked into people. Contacts and identifiers are nodes; a contact seen with an identifier,
 * and an operator's `same` decision, are edges; a person is a connected part, named by its first
 * contact key (WhatsApp numbers before Matrix ids, then by text), so the name never depends on arrival.
 * An operator's `different` decision wins over evidence: an edge that would join two contacts kept
 * apart is not taken. Edges are taken in a fixed order (operators' links, then evidence by time), so the
 * same decisions and the same evidence give the same people; a replay reproduces every merge.
 */
export class IdentityGraph {
  private readonly evidence = new Map<string, Evidence[]>();
  private readonly decisions = new Map<string, IdentityDecisionV1>();
  private parent = new Map<string, string>();
  private members = new Map<string, Set<string>>();
  private readonly changedEvidence = new Set<string>();

  constructor(evidence: Iterable<[string, Evidence[]]> = [], decisions: Iterable<IdentityDecisionV1> = []) {
    for (const [contactKey, items] of evidence) this.evidence.set(contactKey, [...items]);
    for (const decision of decisions) this.decisions.set(identityDecisionKey(decision.a, decision.b), decision);
    this.rebuild();
  }

  /** The person a contact belongs to (its own key while it is linked to nobody). */
  personOf(contactKey: string): string {
    const root = this.find(contactKey);
    return this.nameOf(root) ?? contactKey;
  }

  /** The contacts of a person, in name order. */
  membersOf(personKey: string): string[] {
    const set = this.members.get(this.find(personKey));
    return set === undefined ? [personKey] : [...set].sort(byName);
  }

  /**
   * The contact was seen with these identifiers (new ones are kept, with the first time they were seen);
   * returns the contacts whose person changed.
   */
  observe(contactKey: string, seen: readonly Evidence[]): PersonChange[] {
    const known = this.evidence.get(contactKey) ?? [];
    const fresh = seen.filter((e) => !known.some((k) => k.identifier === e.identifier));
    if (fresh.length === 0) {
      this.ensureNode(contactKey);
      return [];
    }
    this.evidence.set(contactKey, [...known, ...fresh]);
    this.changedEvidence.add(contactKey);
    this.ensureNode(contactKey);
    // Only the parts being joined can change: their members are compared, never the whole graph.
    return fresh.flatMap((e) => this.joinReporting(contactKey, e.identifier));
  }

  /** An operator's decision, or its withdrawal (null); returns the contacts whose person changed. */
  decide(key: string, decision: IdentityDecisionV1 | null): PersonChange[] {
    const before = this.snapshot();
    if (decision === null) this.decisions.delete(key);
    else this.decisions.set(identityDecisionKey(decision.a, decision.b), decision);
    this.rebuild();
    return this.diff(before);
  }

  /** Evidence of the contacts seen with new identifiers since the last call, to be stored. */
  takeChangedEvidence(): [string, Evidence[]][] {
    const out = [...this.changedEvidence].map((key): [string, Evidence[]] => [key, this.evidence.get(key) ?? []]);
    this.changedEvidence.clear();
    return out;
  }

  /** Which identifiers and links make the contact's person. */
  explain(contactKey: string): Explanation {
    const person = this.personOf(contactKey);
    const members = this.membersOf(person);
    const inPerson = new Set(members);
    const owners = new Map<string, number>();
    for (const member of members)
      for (const e of this.evidence.get(member) ?? []) owners.set(e.identifier, (owners.get(e.identifier) ?? 0) + 1);
    const shared = members.flatMap((member) =>
      (this.evidence.get(member) ?? [])
        .filter((e) => (owners.get(e.identifier) ?? 0) > 1)
        .map((evidence) => ({ contactKey: member, evidence })),
    );
    const decisions = [...this.decisions.values()].filter((d) => inPerson.has(d.a) || inPerson.has(d.b));
    return {
      person,
      members,
      shared,
      links: decisions.filter((d) => d.decision === 'same' && inPerson.has(d.a) && inPerson.has(d.b)),
      separations: decisions.filter((d) => d.decision === 'different'),
    };
  }

  // Union-find -----------------------------------------------------------------------------------

  private rebuild(): void {
    this.parent = new Map();
    this.members = new Map();
    for (const contactKey of this.evidence.keys()) this.ensureNode(contactKey);
    const links = [...this.decisions.values()]
      .filter((d) => d.decision === 'same')
      .sort((x, y) => byName(identityDecisionKey(x.a, x.b), identityDecisionKey(y.a, y.b)));
    for (const link of links) {
      this.ensureNode(link.a);
      this.ensureNode(link.b);
      this.join(link.a, link.b);
    }
    const edges = [...this.evidence.entries()]
      .flatMap(([contactKey, items]) => items.map((e) => ({ contactKey, e })))
      .sort(
        (x, y) =>
          byName(x.e.at, y.e.at) || byName(x.contactKey, y.contactKey) || byName(x.e.identifier, y.e.identifier),
      );
    for (const { contactKey, e } of edges) this.join(contactKey, e.identifier);
  }

  private ensureNode(node: string): void {
    if (this.parent.has(node)) return;
    this.parent.set(node, node);
    this.members.set(node, isContact(node) ? new Set([node]) : new Set());
  }

  private find(node: string): string {
    let root = node;
    while (this.parent.get(root) !== undefined && this.parent.get(root) !== root) root = this.parent.get(root) ?? root;
    // Path compression.
    let current = node;
    while (current !== root) {
      const next = this.parent.get(current) ?? root;
      this.parent.set(current, root);
      current = next;
    }
    return root;
  }

  /** Joins the parts of two nodes; returns the contacts whose person is now another. */
  private joinReporting(a: string, b: string): PersonChange[] {
    this.ensureNode(a);
    this.ensureNode(b);
    const parts = [this.find(a), this.find(b)].map((root) => ({
      name: this.nameOf(root),
      members: [...(this.members.get(root) ?? [])],
    }));
    if (!this.join(a, b)) return [];
    const to = this.personOf(a);
    return parts
      .flatMap(({ name, members }) =>
        members.map((contactKey) => ({ contactKey, from: name ?? contactKey, to })).filter((m) => m.from !== m.to),
      )
      .sort((x, y) => byName(x.contactKey, y.contactKey));
  }

  /** Joins two parts unless an operator kept one of each apart; whether they are one part now. */
  private join(a: string, b: string): boolean {
    this.ensureNode(a);
    this.ensureNode(b);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return true;
    const left = this.members.get(ra) ?? new Set<string>();
    const right = this.members.get(rb) ?? new Set<string>();
    for (const d of this.decisions.values())
      if (d.decision === 'different' && ((left.has(d.a) && right.has(d.b)) || (left.has(d.b) && right.has(d.a))))
        return false;
    const [big, small] = left.size >= right.size ? [ra, rb] : [rb, ra];
    this.parent.set(small, big);
    const merged = this.members.get(big) ?? new Set<string>();
    for (const member of this.members.get(small) ?? []) merged.add(member);
    this.members.set(big, merged);
    this.members.delete(small);
    return true;
  }

  private nameOf(root: string): string | undefined {
    const set = this.members.get(root);
    if (set === undefined || set.size === 0) return undefined;
    let best: string | undefined;
    for (const member of set) if (best === undefined || byName(member, best) < 0) best = member;
    return best;
  }

  private snapshot(): Map<string, string> {
    const out = new Map<string, string>();
    for (const node of this.parent.keys()) if (isContact(node)) out.set(node, this.personOf(node));
    return out;
  }

  private diff(before: Map<string, string>): PersonChange[] {
    const changes: PersonChange[] = [];
    for (const node of this.parent.keys()) {
      if (!isContact(node)) continue;
      const from = before.get(node) ?? node;
      const to = this.personOf(node);
      if (from !== to) changes.push({ contactKey: node, from, to });
    }
    return changes.sort((x, y) => byName(x.contactKey, y.contactKey));
  }
}

const isContact = (node: string) => node.startsWith('whatsapp:') || node.startsWith('matrix:');

/** WhatsApp numbers first (the person's name is their number), then by text. */
function byName(a: string, b: string): number {
  const wa = a.startsWith('whatsapp:') ? 0 : 1;
  const wb = b.startsWith('whatsapp:') ? 0 : 1;
  if (wa !== wb) return wa - wb;
  return a < b ? -1 : a > b ? 1 : 0;
}
