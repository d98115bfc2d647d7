import { randomBytes } from 'node:crypto';
import { matrixRequest, MatrixRequestError, type AppserviceRegistration, type TestSynapse } from './synapse.ts';

type MatrixRequest = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;
import { uniqueName } from './unique.ts';
import { waitFor } from './wait.ts';

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
    // Synapse 1.163 answers 500 ("Expected at most one task to cancel" in _update_join_states) when a user
    // whose earlier profile change is still being copied into its rooms changes it again: a ghost reused
    // across runs on the same homeserver is in many rooms. The bridge tries again, as a real one would.
    await waitFor(
      `the display name of ${userId}`,
      () =>
        this.as(userId, 'PUT', `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/displayname`, {
          displayname: displayName,
        }).then(
          () => true,
          (error: unknown) => {
            if (error instanceof MatrixRequestError && error.status === 500) return undefined;
            throw error;
          },
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
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
    // The business's own ghost is in every portal (it sends what the business sends from its phone).
    const own = await this.registerGhost(this.ownNumber, `+${this.ownNumber}`);
    const { room_id: roomId } = await this.as<{ room_id: string }>(undefined, 'POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      name,
      topic: 'WhatsApp private chat',
      invite: [ghost, own, staffUserId],
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
    await this.as(own, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    await this.as(ghost, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    return roomId;
  }

  /**
   * A group portal as the real bridge makes it: m.bridge with the group's JID and name in `channel`, no
   * room type and no receiver, the group's name as the room name (no decoration), and its members' ghosts.
   */
  async createGroupPortal(
    groupJid: string,
    name: string,
    ghosts: readonly string[],
    staffUserId: string,
  ): Promise<string> {
    const bridgeContent = {
      bridgebot: this.bot,
      creator: this.bot,
      protocol: { id: 'whatsapp', displayname: 'WhatsApp', external_url: 'https://whatsapp.com' },
      channel: { id: groupJid, displayname: name },
    };
    const stateKey = `${this.hs().serverName}/whatsapp`;
    const own = await this.registerGhost(this.ownNumber, `+${this.ownNumber}`);
    const { room_id: roomId } = await this.as<{ room_id: string }>(undefined, 'POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      name,
      invite: [...ghosts, own, staffUserId],
      initial_state: [
        { type: 'io.element.functional_members', state_key: '', content: { service_members: [own, this.bot] } },
        { type: 'uk.half-shot.bridge', state_key: stateKey, content: bridgeContent },
        { type: 'm.bridge', state_key: stateKey, content: bridgeContent },
      ],
    });
    for (const user of [own, ...ghosts])
      await this.as(user, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
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

  /** A message revoked on WhatsApp ("delete for everyone"): a redaction by the ghost, without a reason. */
  async redact(userId: string, roomId: string, eventId: string): Promise<string> {
    const { event_id } = await this.as<{ event_id: string }>(
      userId,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${uniqueName('txn')}`,
      {},
    );
    return event_id;
  }

  /** A LID ghost (`@whatsapp_lid-<digits>`), as v26.08 uses for most senders; the number is hidden. */
  async registerLidGhost(lid: string, name: string): Promise<string> {
    return this.registerGhost(`lid-${lid}`, name);
  }

  /** A reply as the real bridge sends it: no fallback text, `m.in_reply_to` and `m.mentions`. */
  reply(userId: string, roomId: string, eventId: string, text: string): Promise<string> {
    return this.send(userId, roomId, {
      msgtype: 'm.text',
      body: text,
      'm.mentions': {},
      'm.relates_to': { 'm.in_reply_to': { event_id: eventId } },
    });
  }

  /** A reaction: WhatsApp's emoji keys gain U+FE0F on the way ("👍" arrives as "👍️"). */
  react(userId: string, roomId: string, eventId: string, emoji: string): Promise<string> {
    const key = emoji.endsWith('\uFE0F') ? emoji : `${emoji}\uFE0F`;
    return this.send(
      userId,
      roomId,
      { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } },
      'm.reaction',
    );
  }

  /** A photo: the caption is the body, an empty string without one. */
  sendPhoto(userId: string, roomId: string, caption = ''): Promise<string> {
    return this.send(userId, roomId, {
      msgtype: 'm.image',
      body: caption,
      filename: 'photo.jpg',
      info: { mimetype: 'image/jpeg', size: 1234, w: 640, h: 480 },
      url: 'mxc://parley.test/photo',
      'm.mentions': {},
    });
  }

  /** Media the bridge could not download arrives as the bridge's notice, in the ghost's name. */
  sendFailedMedia(userId: string, roomId: string): Promise<string> {
    return this.send(userId, roomId, {
      msgtype: 'm.notice',
      body: 'Failed to bridge photo, please view it on the WhatsApp app',
      'm.mentions': {},
    });
  }

  /**
   * What the business sends from its own phone. Without double puppeting the bridge sends it as the
   * business's own ghost (joined to every portal), with no marker; with it, as the staff member's own
   * Matrix user, marked `fi.mau.double_puppet_source`.
   */
  async sendFromOwnPhone(roomId: string, text: string, doublePuppet?: { request: MatrixRequest }): Promise<string> {
    if (doublePuppet !== undefined) {
      const { event_id } = await doublePuppet.request<{ event_id: string }>(
        'PUT',
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('txn')}`,
        { msgtype: 'm.text', body: text, 'm.mentions': {}, 'fi.mau.double_puppet_source': 'mautrix-whatsapp' },
      );
      return event_id;
    }
    return this.send(this.ghost(this.ownNumber), roomId, { msgtype: 'm.text', body: text, 'm.mentions': {} });
  }
}
