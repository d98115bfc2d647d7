import { type EventKind, type MatrixEventV1, type MessageContent, type Relation } from '@parley/contracts';
import { obj, str, type ClientEvent } from './client-event.ts';
import { identifySender, type IdentityContext } from './identity.ts';
import { roomChannel } from './room-kind.ts';
import type { RoomView } from '../rooms/room-state-cache.ts';

export interface NormaliseContext {
  homeserver: string;
  identity: IdentityContext;
  origin: MatrixEventV1['origin'];
}

const MEDIA_TYPES = new Set(['m.image', 'm.file', 'm.audio', 'm.video']);
const TEXT_TYPES = new Set(['m.text', 'm.notice', 'm.emote']);

/** Turns a validated client-format event into Parley's normalised event. Pure; never throws by design. */
export function normaliseEvent(event: ClientEvent, room: RoomView, context: NormaliseContext): MatrixEventV1 {
  const relation = relationOf(event.content);
  const kind = kindOf(event, relation);
  const normalised: MatrixEventV1 = {
    schemaVersion: 1,
    eventId: event.event_id,
    roomId: event.room_id,
    homeserver: context.homeserver,
    type: event.type,
    kind,
    sender: identifySender(event.sender, context.identity, {
      content: event.content,
      ...(room.bridge?.channel.bridgeBot !== undefined && { bridgeBot: room.bridge.channel.bridgeBot }),
      ...(room.bridge?.receiver !== undefined && { receiver: room.bridge.receiver }),
      serviceMembers: room.serviceMembers,
      ...displayNameOf(event, room),
    }),
    originServerTs: event.origin_server_ts,
    time: new Date(event.origin_server_ts).toISOString(),
    channel: roomChannel(room, context.identity.bridgeBots),
    origin: context.origin,
    raw: kind === 'encrypted' ? withoutCiphertext(event) : event,
  };
  if (event.state_key !== undefined) normalised.stateKey = event.state_key;
  if (relation) normalised.relation = relation;

  switch (kind) {
    case 'message':
      normalised.message = messageOf(event.content, relation?.type === 'reply');
      break;
    case 'edit': {
      const replacement = obj(event.content, 'm.new_content') ?? event.content;
      normalised.message = messageOf(replacement, false);
      break;
    }
    case 'redaction': {
      const target = event.redacts ?? str(event.content, 'redacts');
      if (target?.startsWith('$')) normalised.redacts = target;
      break;
    }
    case 'membership':
      normalised.membership = {
        membership: str(event.content, 'membership') ?? 'unknown',
        target: event.state_key ?? event.sender,
        ...(str(event.content, 'displayname') !== undefined && { displayName: str(event.content, 'displayname') }),
      };
      break;
    default:
      break;
  }
  return normalised;
}

function kindOf(event: ClientEvent, relation: Relation | undefined): EventKind {
  switch (event.type) {
    case 'm.room.encrypted':
      return 'encrypted';
    case 'm.room.redaction':
      return 'redaction';
    case 'm.reaction':
      return 'reaction';
    case 'm.room.member':
      return 'membership';
    case 'm.room.message':
    case 'm.sticker':
      return relation?.type === 'replace' ? 'edit' : 'message';
    default:
      return event.state_key !== undefined ? 'state' : 'other';
  }
}

function relationOf(content: Record<string, unknown>): Relation | undefined {
  const relatesTo = obj(content, 'm.relates_to');
  if (!relatesTo) return undefined;
  const relType = str(relatesTo, 'rel_type');
  const target = str(relatesTo, 'event_id');
  const replyTo = str(obj(relatesTo, 'm.in_reply_to'), 'event_id');
  // A thread message's m.in_reply_to is a fallback for clients without threads unless is_falling_back is false.
  if (relType === 'm.thread' && target?.startsWith('$')) return { type: 'thread', eventId: target };
  if (relType === undefined && replyTo?.startsWith('$')) return { type: 'reply', eventId: replyTo };
  if (!target?.startsWith('$')) return replyTo?.startsWith('$') ? { type: 'reply', eventId: replyTo } : undefined;
  switch (relType) {
    case 'm.replace':
      return { type: 'replace', eventId: target };
    case 'm.annotation': {
      const key = str(relatesTo, 'key');
      return { type: 'annotation', eventId: target, ...(key !== undefined && { key }) };
    }
    case 'm.reference':
      return { type: 'reference', eventId: target };
    default:
      return { type: 'other', eventId: target, ...(relType !== undefined && { relType }) };
  }
}

function messageOf(content: Record<string, unknown>, isReply: boolean): MessageContent {
  const msgtype = str(content, 'msgtype') ?? (str(content, 'url') ? 'm.sticker' : 'unknown');
  const body = str(content, 'body');
  const message: MessageContent = { msgtype };
  const format = str(content, 'format');
  const formatted = str(content, 'formatted_body');
  if (TEXT_TYPES.has(msgtype) || msgtype === 'm.location') {
    if (body !== undefined) message.text = isReply ? stripReplyFallback(body) : body;
  } else if (MEDIA_TYPES.has(msgtype)) {
    // Since Matrix 1.10 a media body is a caption when `filename` is present and differs from it.
    const fileName = str(content, 'filename');
    if (fileName !== undefined && body !== undefined && body !== fileName) message.text = body;
    const name = fileName ?? body;
    if (name !== undefined) message.fileName = name;
    const mimetype = str(obj(content, 'info'), 'mimetype');
    if (mimetype) message.mimetype = mimetype;
  } else if (body !== undefined && msgtype !== 'm.sticker') {
    message.text = body;
  }
  const url = str(content, 'url');
  if (url) message.mediaUrl = url;
  const geoUri = str(content, 'geo_uri');
  if (geoUri) message.geoUri = geoUri;
  if (formatted !== undefined) {
    message.formattedBody = isReply ? formatted.replace(/^<mx-reply>[\s\S]*?<\/mx-reply>/, '') : formatted;
    if (format) message.format = format;
  }
  return message;
}

/** Removes the quoted "> <@user> …" lines that older clients prepend to replies. */
function stripReplyFallback(body: string): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith('> ')) i++;
  if (i === 0) return body;
  if (lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

function displayNameOf(event: ClientEvent, room: RoomView): { displayName?: string } {
  if (event.type === 'm.room.member' && event.state_key === event.sender) {
    const own = str(event.content, 'displayname');
    if (own) return { displayName: own };
  }
  const name = room.displayNames.get(event.sender);
  return name === undefined ? {} : { displayName: name };
}

function withoutCiphertext(event: ClientEvent): Record<string, unknown> {
  const { ciphertext: _ciphertext, ...content } = event.content;
  return { ...event, content };
}
