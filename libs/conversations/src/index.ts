export { ConversationRules, DEFAULT_CONVERSATION_RULES } from './rules.ts';
export { byTime, summarize, type ConversationIdentity } from './summary.ts';
export {
  ConversationTracker,
  type ConversationChange,
  type ConversationInput,
  type ConversationTransitions,
} from './tracker.ts';
export { conversationMetrics, type ConversationMetrics } from './metrics.ts';
export { messageMetrics, type MessageMetrics } from './message-metrics.ts';
export { PeopleRules, SegmentCondition } from './people-rules.ts';
export { engagementScore, PeopleLedger, type PersonRollup, type SegmentEntry } from './people.ts';
