import { describe, expect, it } from 'vitest';
import { startSynapse, waitFor } from '../src/index.ts';

interface MessagesResponse {
  chunk: { type: string; sender: string; event_id: string; content: { body?: string } }[];
}

describe('real Synapse (smoke)', () => {
  it('registers two users who exchange a message in a room', async () => {
    const synapse = await startSynapse();
    const alice = await synapse.registerUser('alice');
    const bob = await synapse.registerUser('bob');
    expect(alice.userId).toMatch(new RegExp(`^@alice-.+:${synapse.serverName.replace('.', '\\.')}$`));

    const { room_id: roomId } = await alice.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      invite: [bob.userId],
    });
    await bob.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    const { event_id: eventId } = await alice.request<{ event_id: string }>(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/txn-${Date.now()}`,
      { msgtype: 'm.text', body: 'hello from alice' },
    );

    const seen = await waitFor('bob to see the message', async () => {
      const page = await bob.request<MessagesResponse>(
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=20`,
      );
      return page.chunk.find((e) => e.event_id === eventId);
    });
    expect(seen).toMatchObject({ type: 'm.room.message', sender: alice.userId, content: { body: 'hello from alice' } });
  });
});
