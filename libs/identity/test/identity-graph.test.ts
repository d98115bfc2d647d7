import type { IdentityDecisionV1 } from '@parley/contracts';
import { identityDecisionKey } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { IdentityGraph, type Evidence } from '../src/index.ts';

const WA = 'whatsapp:+4915112345678';
const TG = 'matrix:@telegram_777:example.org';
const SIGNAL = 'matrix:@signal_abc:example.org';
const LID_GHOST = 'matrix:@whatsapp_lid-9876543210:example.org';
const seen = (identifier: string, at: string, eventId = `$${at}`): Evidence => ({
  identifier,
  at: `2026-03-0${at}T10:00:00.000Z`,
  eventId,
});
const decision = (a: string, b: string, kind: 'same' | 'different'): IdentityDecisionV1 => ({
  schemaVersion: 1,
  a,
  b,
  decision: kind,
  by: 'ops@example.org',
  at: '2026-03-05T00:00:00.000Z',
});

describe('IdentityGraph', () => {
  it('links contacts seen with one phone number, names the person by the WhatsApp number, and explains why', () => {
    const graph = new IdentityGraph();
    expect(graph.observe(WA, [seen('phone:+4915112345678', '1')])).toEqual([]);
    expect(graph.observe(TG, [seen('phone:+4915112345678', '2', '$tg')])).toEqual([
      { contactKey: TG, from: TG, to: WA },
    ]);
    expect(graph.personOf(TG)).toBe(WA);
    expect(graph.membersOf(WA)).toEqual([WA, TG]);
    expect(graph.explain(TG).shared).toEqual([
      { contactKey: WA, evidence: seen('phone:+4915112345678', '1') },
      { contactKey: TG, evidence: seen('phone:+4915112345678', '2', '$tg') },
    ]);
    // Seeing it again changes nothing.
    expect(graph.observe(TG, [seen('phone:+4915112345678', '3')])).toEqual([]);
  });

  it('links a LID ghost to the number its LID was seen with', () => {
    const graph = new IdentityGraph();
    graph.observe(WA, [seen('phone:+4915112345678', '1'), seen('lid:9876543210', '2')]);
    expect(graph.observe(LID_GHOST, [seen('lid:9876543210', '3')])).toEqual([
      { contactKey: LID_GHOST, from: LID_GHOST, to: WA },
    ]);
  });

  it('reverses a merge on an operator’s "different", and merges again when the decision is withdrawn', () => {
    const graph = new IdentityGraph();
    graph.observe(WA, [seen('phone:+4915112345678', '1')]);
    graph.observe(TG, [seen('phone:+4915112345678', '2')]);
    const apart = decision(WA, TG, 'different');
    expect(graph.decide(identityDecisionKey(WA, TG), apart)).toEqual([{ contactKey: TG, from: WA, to: TG }]);
    expect(graph.explain(WA).separations).toEqual([apart]);
    // New evidence cannot join them either.
    expect(graph.observe(TG, [seen('lid:1', '3')])).toEqual([]);
    expect(graph.observe(WA, [seen('lid:1', '4')])).toEqual([]);
    expect(graph.personOf(TG)).toBe(TG);
    expect(graph.decide(identityDecisionKey(WA, TG), null)).toEqual([{ contactKey: TG, from: TG, to: WA }]);
  });

  it('links contacts an operator says are the same, without shared evidence', () => {
    const graph = new IdentityGraph();
    graph.observe(SIGNAL, []);
    const link = decision(TG, SIGNAL, 'same');
    expect(graph.decide(identityDecisionKey(TG, SIGNAL), link)).toEqual([{ contactKey: TG, from: TG, to: SIGNAL }]);
    expect(graph.explain(TG)).toMatchObject({ person: SIGNAL, members: [SIGNAL, TG], links: [link] });
  });

  it('gives the same people whatever order the evidence arrived in (a replay, a restart)', () => {
    const items: [string, Evidence][] = [
      [WA, seen('phone:+4915112345678', '1')],
      [TG, seen('phone:+4915112345678', '2')],
      [SIGNAL, seen('phone:+4915199999999', '3')],
      [LID_GHOST, seen('lid:5', '4')],
      [SIGNAL, seen('lid:5', '5')],
    ];
    const people = (graph: IdentityGraph) => [WA, TG, SIGNAL, LID_GHOST].map((k) => graph.personOf(k));
    const forward = new IdentityGraph();
    for (const [key, e] of items) forward.observe(key, [e]);
    const backward = new IdentityGraph();
    for (const [key, e] of [...items].reverse()) backward.observe(key, [e]);
    const restored = new IdentityGraph(forward.takeChangedEvidence());
    expect(people(forward)).toEqual([WA, WA, SIGNAL, SIGNAL]);
    expect(people(backward)).toEqual(people(forward));
    expect(people(restored)).toEqual(people(forward));
  });
});
