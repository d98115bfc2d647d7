import type { SenderInfo } from '@parley/contracts';
import type { ContactRecord } from './records.ts';

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * The contact a sender stands for, or undefined for the business side. Bridge ghosts and senders on
 * the customer side are contacts; WhatsApp senders are keyed by their phone number, others by Matrix id.
 */
export function contactOf(sender: SenderInfo, protocol: string): ContactRecord | undefined {
  if (sender.side === 'business') return undefined;
  if (sender.side === 'unknown' && !sender.isBridgeGhost) return undefined;
  const whatsapp = protocol === 'whatsapp' ? sender.remoteUserId : undefined;
  const whatsappId = whatsapp !== undefined && E164.test(whatsapp) ? whatsapp : undefined;
  // mautrix-whatsapp names LID ghosts "lid-<digits>": the number is hidden.
  const whatsappLid = /^lid-(\d+)$/.exec(whatsapp ?? '')?.[1];
  // Another bridge whose remote ids are phone numbers (Signal's older ghosts, SMS bridges): the number
  // links the contact to the same person on WhatsApp.
  const phone = protocol !== 'whatsapp' && E164.test(sender.remoteUserId ?? '') ? sender.remoteUserId : undefined;
  return {
    key: whatsappId === undefined ? `matrix:${sender.userId}` : `whatsapp:${whatsappId}`,
    matrixId: sender.userId,
    ...(whatsappId === undefined ? {} : { whatsappId }),
    ...(whatsappLid === undefined ? {} : { whatsappLid }),
    ...(phone === undefined ? {} : { phone }),
    ...splitName(sender.displayName),
  };
}

/** The identifiers a contact was seen with, as the identity graph names them (phone:+…, lid:…). */
export function identifiersOf(contact: ContactRecord): string[] {
  const phone = contact.whatsappId ?? contact.phone;
  return [
    ...(phone === undefined ? [] : [`phone:${phone}`]),
    ...(contact.whatsappLid === undefined ? [] : [`lid:${contact.whatsappLid}`]),
  ];
}

/** Who a contact key (`whatsapp:+<E.164>` or `matrix:<user id>`) names: the fields that find the person. */
export function identityOfKey(key: string): ContactRecord {
  if (key.startsWith('whatsapp:')) return { key, whatsappId: key.slice('whatsapp:'.length) };
  return { key, matrixId: key.slice('matrix:'.length) };
}

/** "Anna Maria Schmidt" → first "Anna Maria", last "Schmidt"; a single word is a first name. */
export function splitName(displayName: string | undefined): { firstName?: string; lastName?: string } {
  const name = displayName?.trim().replace(/\s+/g, ' ');
  if (!name) return {};
  // A display name that is only the phone number (WhatsApp without a saved name) is not a name.
  if (/^\+?[\d\s()-]+$/.test(name)) return {};
  const words = name.split(' ');
  if (words.length === 1) return { firstName: name, lastName: '' };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1) ?? '' };
}

/** The customer of a WhatsApp direct chat from its JID (4915112345678@s.whatsapp.net → +4915112345678). */
export function whatsappIdFromChat(remoteChatId: string | undefined): string | undefined {
  const match = /^(\d{7,15})@s\.whatsapp\.net$/.exec(remoteChatId ?? '');
  return match ? `+${match[1] ?? ''}` : undefined;
}
