export { ConversationRules, DEFAULT_CONVERSATION_RULES } from './rules.ts';
export { byTime, summarize, type ConversationIdentity } from './summary.ts';
export { ConversationTracker, type ConversationChange, type ConversationInput } from './tracker.ts';
