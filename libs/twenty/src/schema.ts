/** Colours Twenty accepts for select options. */
type Colour = 'green' | 'turquoise' | 'sky' | 'blue' | 'purple' | 'pink' | 'red' | 'orange' | 'yellow' | 'gray';

export interface OptionSpec {
  value: string;
  label: string;
  color: Colour;
}

export interface FieldSpec {
  name: string;
  label: string;
  type: 'TEXT' | 'NUMBER' | 'BOOLEAN' | 'DATE_TIME' | 'SELECT' | 'RELATION';
  description: string;
  isUnique?: boolean;
  options?: OptionSpec[];
  /** MANY_TO_ONE to this object (by singular name), with the label and icon of the inverse field. */
  relation?: { target: string; inverseLabel: string; inverseIcon?: string };
}

export interface ObjectSpec {
  nameSingular: string;
  namePlural: string;
  labelSingular: string;
  labelPlural: string;
  description: string;
  icon: string;
}

export interface WorkspaceSchema {
  /** Custom objects Parley creates. */
  objects: ObjectSpec[];
  /** Fields Parley needs, by object singular name. */
  fields: Record<string, FieldSpec[]>;
}

/** A label as a select value: Twenty wants GraphQL enum names (upper case, digits, underscores). */
export function optionValue(label: string): string {
  const value = label
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[A-Z]/.test(value) ? value : `V_${value}`;
}

const channelOptions = (): OptionSpec[] =>
  CHANNELS.map((value, i) => ({ value, label: labelOf(value), color: COLOURS[i % COLOURS.length] ?? 'gray' }));

const COLOURS: Colour[] = ['blue', 'green', 'orange', 'purple', 'red', 'sky', 'pink', 'turquoise', 'yellow', 'gray'];
const labelOf = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replaceAll('_', ' ');

export const intentOptions = (intents: readonly string[]): OptionSpec[] =>
  intents.map((intent, i) => ({
    value: optionValue(intent),
    label: labelOf(optionValue(intent)),
    color: COLOURS[i % COLOURS.length] ?? 'gray',
  }));

export const SENTIMENT_OPTIONS: OptionSpec[] = [
  { value: 'POSITIVE', label: 'Positive', color: 'green' },
  { value: 'NEUTRAL', label: 'Neutral', color: 'gray' },
  { value: 'NEGATIVE', label: 'Negative', color: 'red' },
];

/** Networks with their own channel option; anything else is OTHER. */
export const CHANNELS = ['WHATSAPP', 'MATRIX', 'TELEGRAM', 'SIGNAL', 'INSTAGRAM', 'MESSENGER', 'OTHER'];
export const channelValue = (protocol: string) =>
  CHANNELS.includes(optionValue(protocol)) ? optionValue(protocol) : 'OTHER';

/** The channel's contact of a record, which stays when the record moves to a linked person. */
const PARLEY_CONTACT: FieldSpec = {
  name: 'parleyContact',
  label: 'Parley contact',
  type: 'TEXT',
  description: 'The contact on this channel (whatsapp:+…, matrix:@…); the person may be linked across channels',
};

/** What Parley needs in a Twenty workspace, given the taxonomy's intents. */
export function parleySchema(intents: readonly string[]): WorkspaceSchema {
  const intentField = (name: string, label: string): FieldSpec => ({
    name,
    label,
    type: 'SELECT',
    description: 'Intent from the Parley taxonomy',
    options: intentOptions(intents),
  });
  const sentimentField = (name: string, label: string): FieldSpec => ({
    name,
    label,
    type: 'SELECT',
    description: 'Sentiment classified by Parley',
    options: SENTIMENT_OPTIONS,
  });
  return {
    objects: [
      {
        nameSingular: 'chatMessage',
        namePlural: 'chatMessages',
        labelSingular: 'Chat message',
        labelPlural: 'Chat messages',
        description: 'A chat message (WhatsApp, Matrix…) with the intent and sentiment Parley classified',
        icon: 'IconMessage',
      },
      {
        nameSingular: 'conversation',
        namePlural: 'conversations',
        labelSingular: 'Conversation',
        labelPlural: 'Conversations',
        description: 'A conversation (an episode of a chat) with its support metrics, from Parley',
        icon: 'IconMessages',
      },
    ],
    fields: {
      person: [
        {
          name: 'matrixId',
          label: 'Matrix ID',
          type: 'TEXT',
          isUnique: true,
          description: 'Matrix user id, e.g. @whatsapp_4915…:example.org',
        },
        {
          name: 'whatsappId',
          label: 'WhatsApp ID',
          type: 'TEXT',
          isUnique: true,
          description: 'WhatsApp number in E.164',
        },
        {
          name: 'whatsappLid',
          label: 'WhatsApp LID',
          type: 'TEXT',
          isUnique: true,
          description: "WhatsApp's hidden user id (LID), kept beside the number when the bridge moves to it",
        },
        intentField('lastIntent', 'Last intent'),
        sentimentField('lastSentiment', 'Last sentiment'),
        { name: 'lastContactAt', label: 'Last contact', type: 'DATE_TIME', description: 'When the person last wrote' },
        // The person across their conversations (parley.conversations.v1), re-made when one changes.
        {
          name: 'parleySegment',
          label: 'Segment',
          type: 'TEXT',
          description: 'Segment from Parley’s rules (new, active, at-risk…)',
        },
        {
          name: 'engagementScore',
          label: 'Engagement score',
          type: 'NUMBER',
          description:
            '0–100 from recency, purchase intent, frequency, sentiment and complaints (formula in Parley’s README)',
        },
        {
          name: 'conversationCount',
          label: 'Conversations',
          type: 'NUMBER',
          description: 'Conversations with the person',
        },
        {
          name: 'messageCount',
          label: 'Messages',
          type: 'NUMBER',
          description: 'Messages the person wrote in their conversations',
        },
        {
          name: 'openConversations',
          label: 'Open conversations',
          type: 'NUMBER',
          description: 'Conversations not resolved',
        },
        {
          name: 'firstContactAt',
          label: 'First contact',
          type: 'DATE_TIME',
          description: 'The first message of the person',
        },
        {
          name: 'medianFirstResponseMinutes',
          label: 'Median first response (min)',
          type: 'NUMBER',
          description: 'Median time to our first reply in their conversations',
        },
        {
          name: 'averageSentiment',
          label: 'Average sentiment',
          type: 'NUMBER',
          description: 'Mean sentiment (-1 … 1) over their latest conversations',
        },
        {
          name: 'sentimentTrend',
          label: 'Sentiment trend',
          type: 'TEXT',
          description: 'improving, worsening or steady',
        },
        // One person across channels.
        {
          name: 'linkedIdentities',
          label: 'Linked identities',
          type: 'TEXT',
          description: 'Contacts on other channels that are this person, and the evidence (Parley)',
        },
        {
          name: 'parleyMergedInto',
          label: 'Merged into',
          type: 'TEXT',
          description: 'Set when Parley linked this contact into another person (their contact key)',
        },
      ],
      chatMessage: [
        { name: 'externalId', label: 'External ID', type: 'TEXT', isUnique: true, description: 'Matrix event id' },
        { name: 'text', label: 'Text', type: 'TEXT', description: 'Message text (latest edit); empty once redacted' },
        { name: 'sentAt', label: 'Sent at', type: 'DATE_TIME', description: 'When the message was sent' },
        {
          name: 'channel',
          label: 'Channel',
          type: 'SELECT',
          description: 'Network the conversation is on',
          options: channelOptions(),
        },
        { name: 'room', label: 'Room', type: 'TEXT', description: 'Conversation name' },
        { name: 'roomId', label: 'Room ID', type: 'TEXT', description: 'Matrix room id' },
        PARLEY_CONTACT,
        {
          name: 'direction',
          label: 'Direction',
          type: 'SELECT',
          description: 'Inbound from the customer or outbound from the business',
          options: [
            { value: 'INBOUND', label: 'Inbound', color: 'blue' },
            { value: 'OUTBOUND', label: 'Outbound', color: 'green' },
            { value: 'UNKNOWN', label: 'Unknown', color: 'gray' },
          ],
        },
        intentField('intent', 'Intent'),
        sentimentField('sentiment', 'Sentiment'),
        {
          name: 'confidence',
          label: 'Confidence',
          type: 'NUMBER',
          description: 'Lower of intent and sentiment confidence, 0–1',
        },
        {
          name: 'redactedAt',
          label: 'Redacted at',
          type: 'DATE_TIME',
          description: 'Set when the message was redacted',
        },
        {
          name: 'person',
          label: 'Person',
          type: 'RELATION',
          description: 'The customer of the conversation',
          relation: { target: 'person', inverseLabel: 'Chat messages' },
        },
        {
          name: 'conversation',
          label: 'Conversation',
          type: 'RELATION',
          description: 'The conversation the message is part of',
          relation: { target: 'conversation', inverseLabel: 'Chat messages', inverseIcon: 'IconMessage' },
        },
      ],
      conversation: conversationFields(intentField, sentimentField),
      task: [
        {
          name: 'parleyKey',
          label: 'Parley key',
          type: 'TEXT',
          isUnique: true,
          description: 'Follow-up rule, room and episode; one task each',
        },
      ],
    },
  };
}

/**
 * The conversation object: what Twenty's own views, filters and charts need to answer "open conversations
 * by first response time" (apps/crm-sink/README.md, "Conversations").
 */
function conversationFields(
  intentField: (name: string, label: string) => FieldSpec,
  sentimentField: (name: string, label: string) => FieldSpec,
): FieldSpec[] {
  const number = (name: string, label: string, description: string): FieldSpec => ({
    name,
    label,
    type: 'NUMBER',
    description,
  });
  const flag = (name: string, label: string, description: string): FieldSpec => ({
    name,
    label,
    type: 'BOOLEAN',
    description,
  });
  return [
    {
      name: 'externalId',
      label: 'Conversation ID',
      type: 'TEXT',
      isUnique: true,
      description: 'Parley conversation id (<room id>/<first event id>), the key of parley.conversations.v1',
    },
    {
      name: 'channel',
      label: 'Channel',
      type: 'SELECT',
      description: 'Network the conversation is on',
      options: channelOptions(),
    },
    { name: 'room', label: 'Room', type: 'TEXT', description: 'Conversation name' },
    { name: 'roomId', label: 'Room ID', type: 'TEXT', description: 'Matrix room id' },
    PARLEY_CONTACT,
    {
      name: 'status',
      label: 'Status',
      type: 'SELECT',
      description: 'Open until the business answered and the customer went quiet, or a closing signal',
      options: [
        { value: 'OPEN', label: 'Open', color: 'orange' },
        { value: 'RESOLVED', label: 'Resolved', color: 'green' },
      ],
    },
    { name: 'openedAt', label: 'Opened at', type: 'DATE_TIME', description: 'The first customer message' },
    { name: 'lastMessageAt', label: 'Last message at', type: 'DATE_TIME', description: 'The latest message' },
    { name: 'resolvedAt', label: 'Resolved at', type: 'DATE_TIME', description: 'When it was resolved' },
    number('firstResponseMinutes', 'First response (min)', 'First business reply after the first customer message'),
    number('resolutionMinutes', 'Resolution (min)', 'Opened to resolved'),
    number('customerMessages', 'Customer messages', 'Messages from the customer'),
    number('businessMessages', 'Business messages', 'Messages from the business'),
    number('reopened', 'Reopened', 'Times the customer came back after a resolution'),
    intentField('mainIntent', 'Main intent'),
    { name: 'intents', label: 'Intents', type: 'TEXT', description: 'Customer intents seen, most frequent first' },
    sentimentField('sentimentStart', 'Sentiment at start'),
    sentimentField('sentimentEnd', 'Sentiment at end'),
    number('averageSentiment', 'Average sentiment', 'Mean sentiment score of the customer, -1 … 1'),
    { name: 'sentimentTrend', label: 'Sentiment trend', type: 'TEXT', description: 'improving, worsening or steady' },
    { name: 'keywords', label: 'Keywords', type: 'TEXT', description: 'Most frequent keywords of the customer' },
    flag('followUpRaised', 'Follow-up raised', 'A Parley follow-up task was raised in this conversation'),
    flag('firstResponseBreached', 'First response breached', 'The first reply missed the configured target'),
    flag('resolutionBreached', 'Resolution breached', 'Resolution missed the configured target'),
    {
      name: 'person',
      label: 'Person',
      type: 'RELATION',
      description: 'The customer of the conversation',
      relation: { target: 'person', inverseLabel: 'Conversations', inverseIcon: 'IconMessages' },
    },
  ];
}
