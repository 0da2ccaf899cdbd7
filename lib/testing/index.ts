export { MockProviderServer } from './mock-provider-server.js';
export type {
  MockProviderServerOptions,
  MockProviderServerSettings,
  MockRequestLogEntry,
} from './mock-provider-server.js';
export { MOCK_FAULT_HEADER } from './fault.js';
export type { EnqueueFaultOptions, MockFault, MockFaultMatch, WireFormat } from './fault.js';
export { mockArguments, mockEmbedding, mockTokenCount } from './mock-reply.js';
export type { MockReplyContext } from './mock-reply.js';
