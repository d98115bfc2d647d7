import { randomBytes } from 'node:crypto';
import { matrixRequest, MatrixRequestError, type AppserviceRegistration, type TestSynapse } from './synapse.ts';
import { uniqueName } from './unique.ts';

/**
 * Imitates mautrix-whatsapp against a real Synapse: an appservice with an exclusive ghost namespace
 * that registers ghosts and creates portal rooms with m.bridge state shaped like bridgev2's.
 */
export class FakeWhatsappBridge {
  readonly registration: AppserviceRegistration;
  readonly botLocalpart = 'whatsappbot';
  /** The bridged business account's own number (the real bridge's fi.mau.receiver). */
  readonly ownNumber = '4930000000';
  private synapse: TestSynapse | undefined;
  private readonly names = new Map<string, string>();

  /** A new registration with fresh tokens, or an existing one (the local stack's demo keeps its own). */
  constructor(registration?: AppserviceRegistration) {
    this.registration = registration ?? {
      id: uniqueName('whatsapp'),
      url: null,
      as_token: randomBytes(24).toString('hex'),
      hs_token: randomBytes(24).toString('hex'),
      sender_localpart: this.botLocalpart,
      rate_limited: false,
      namespaces: {
        users: [
          { regex: '@whatsapp_.*', exclusive: true },
          { regex: '@whatsappbot:.*', exclusive: true },
        ],
      },
    };
  }

  attach(synapse: TestSynapse): void {
    this.synapse = synapse;
  }

  get bot(): string {
    return `@${this.botLocalpart}:${this.hs().serverName}`;
  }

  ghost(phone: string): string {
    return `@whatsapp_${phone}:${this.hs().serverName}`;
  }

  private hs(): TestSynapse {
    if (!this.synapse) throw new Error('attach the bridge to a Synapse first');
    return this.synapse;
  }

  /** Calls the Client-Server API as the bridge bot, or as one of its ghosts. */
  async as<T = Record<string, unknown>>(
    userId: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const query = userId ? `${path.includes('?') ? '&' : '?'}user_id=${encodeURIComponent(userId)}` : '';
    return matrixRequest<T>(this.hs().url, this.registration.as_token, method, path + query, body);
  }

  /**
   * Registers a contact's ghost with the display name the real bridge gives it: the contact's name
   * followed by " (WA)" (mautrix-whatsapp's default displayname template).
   */
  async registerGhost(phone: string, name: string): Promise<string> {
    const displayName = `${name} (WA)`;
    this.names.set(phone, displayName);
    const localpart = `whatsapp_${phone}`;
    await this.as(undefined, 'POST', '/_matrix/client/v3/register', {
      type: 'm.login.application_service',
      username: localpart,
      inhibit_login: true,
    }).catch((error: unknown) => {
      // M_USER_IN_USE: registered by an earlier run against the same homeserver.
      if (!(error instanceof MatrixRequestError && error.status === 400)) throw error;
    });
    const userId = this.ghost(phone);
    await this.as(userId, 'PUT', `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/displayname`, {
      displayname: displayName,
    });
    return userId;
  }

  /**
   * A DM portal for a WhatsApp contact, with the staff user invited; returns the room id. Like
   * mautrix-whatsapp v0.2608 (shared/reference captures): the portal is named after the contact's
   * display name, and its name, topic, m.bridge (no channel displayname for a DM) and functional
   * members are set while the room is created, before any ghost joins, so the homeserver never sends
   * them to another appservice.
   */
  async createDmPortal(phone: string, staffUserId: string): Promise<string> {
    const ghost = this.ghost(phone);
    const chatJid = `${phone}@s.whatsapp.net`;
    const bridgeContent = {
      bridgebot: this.bot,
      creator: this.bot,
      protocol: {
        id: 'whatsapp',
        displayname: 'WhatsApp',
        external_url: 'https://whatsapp.com',
        avatar_url: 'mxc://maunium.net/NeXNQarUbrlYBiPCpprYsRqr',
      },
      channel: { id: chatJid, 'fi.mau.receiver': this.ownNumber },
      'com.beeper.room_type': 'dm',
      'com.beeper.room_type.v2': 'dm',
    };
    const stateKey = `${this.hs().serverName}/whatsapp`;
    const name = this.names.get(phone) ?? `+${phone} (WA)`;
    const { room_id: roomId } = await this.as<{ room_id: string }>(undefined, 'POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      name,
      topic: 'WhatsApp private chat',
      invite: [ghost, staffUserId],
      initial_state: [
        {
          type: 'io.element.functional_members',
          state_key: '',
          content: { service_members: [this.ghost(this.ownNumber), this.bot] },
        },
        { type: 'uk.half-shot.bridge', state_key: stateKey, content: bridgeContent },
        { type: 'm.bridge', state_key: stateKey, content: bridgeContent },
      ],
    });
    await this.as(ghost, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    return roomId;
  }

  async send(
    userId: string,
    roomId: string,
    content: Record<string, unknown>,
    type = 'm.room.message',
  ): Promise<string> {
    const { event_id } = await this.as<{ event_id: string }>(
      userId,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/${uniqueName('txn')}`,
      content,
    );
    return event_id;
  }

  async redact(userId: string, roomId: string, eventId: string): Promise<string> {
    const { event_id } = await this.as<{ event_id: string }>(
      userId,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${uniqueName('txn')}`,
      { reason: 'revoked on WhatsApp' },
    );
    return event_id;
  }
}
