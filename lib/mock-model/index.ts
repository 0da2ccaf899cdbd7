export { mockArguments } from './mock-arguments.js';
export { embeddingToBase64, mockEmbedding } from './mock-embedding.js';
export { mockReplyText, planMockReply } from './mock-reply.js';
export type { ChatInput, MockModelSettings, MockToolChoice, MockToolSpec, ReplyPlan, TextReplyPlan, ToolReplyPlan } from './mock-reply.js';
export { mockTokenCount, repeatWords, truncateWords } from './token-count.js';
export { splitEven, splitWords } from './stream-pieces.js';
