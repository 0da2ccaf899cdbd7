import type { IncomingHttpHeaders } from 'node:http';
import { anthropicFormat } from './formats/anthropic-format.js';
import { geminiFormat } from './formats/gemini-format.js';
import { ollamaFormat } from './formats/ollama-format.js';
import { openAiFormat } from './formats/openai-format.js';
import type { MockRoute, WireFormatHandler } from './formats/wire-format.js';

/** A request matched to a wire format and one of its endpoints. */
export interface ResolvedRoute {
  readonly handler: WireFormatHandler;
  readonly route: MockRoute;
}

const GEMINI_METHODS: Record<string, string> = {
  generateContent: 'chat',
  streamGenerateContent: 'stream',
  embedContent: 'embed',
  batchEmbedContents: 'batchEmbed',
  countTokens: 'countTokens',
};

const GEMINI_METHOD_PATH = /\/v1(?:beta|alpha)?\/models\/([^/:]+):([A-Za-z]+)$/;
const GEMINI_MODEL_PATH = /\/v1(?:beta|alpha)\/models\/([^/:]+)$/;
const AZURE_DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;
const MODEL_PATH = /\/models\/([^/]+)$/;

function route(handler: WireFormatHandler, value: MockRoute): ResolvedRoute {
  return { handler, route: value };
}

/** Matches a request to its wire format and endpoint, or `undefined` for an unknown URL. */
export function resolveRoute(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  query: Readonly<Record<string, string>>,
): ResolvedRoute | undefined {
  const post = method === 'POST';
  const get = method === 'GET' || method === 'HEAD';

  if (path.startsWith('/api/')) {
    if (post && path === '/api/chat') return route(ollamaFormat, { format: 'ollama', endpoint: 'chat' });
    if (post && path === '/api/embed') return route(ollamaFormat, { format: 'ollama', endpoint: 'embed' });
    if (post && path === '/api/embeddings') return route(ollamaFormat, { format: 'ollama', endpoint: 'embeddings' });
    if (get && path === '/api/tags') return route(ollamaFormat, { format: 'ollama', endpoint: 'tags' });
    if (get && path === '/api/version') return route(ollamaFormat, { format: 'ollama', endpoint: 'version' });
  }
  if (get && path === '/') return route(ollamaFormat, { format: 'ollama', endpoint: 'root' });

  if (path.includes(':')) {
    const m = GEMINI_METHOD_PATH.exec(path);
    const endpoint = m === null ? undefined : GEMINI_METHODS[m[2]!];
    if (post && m !== null && endpoint !== undefined) {
      return route(geminiFormat, { format: 'gemini', endpoint, pathModel: decodeURIComponent(m[1]!) });
    }
    return undefined;
  }
  if (get && (path.endsWith('/v1beta/models') || path.endsWith('/v1alpha/models'))) {
    return route(geminiFormat, { format: 'gemini', endpoint: 'models' });
  }
  if (get) {
    const m = GEMINI_MODEL_PATH.exec(path);
    if (m !== null) return route(geminiFormat, { format: 'gemini', endpoint: 'model', pathModel: decodeURIComponent(m[1]!) });
  }

  if (post && path.endsWith('/v1/messages')) return route(anthropicFormat, { format: 'anthropic', endpoint: 'chat' });
  if (post && path.endsWith('/v1/messages/count_tokens')) {
    return route(anthropicFormat, { format: 'anthropic', endpoint: 'count_tokens' });
  }

  if (path.startsWith('/openai/')) {
    const m = AZURE_DEPLOYMENT_PATH.exec(path);
    if (post && m !== null) {
      return route(openAiFormat, {
        format: 'openai',
        endpoint: m[2] === 'embeddings' ? 'embeddings' : 'chat',
        azure: true,
        azureDeployment: decodeURIComponent(m[1]!),
      });
    }
  }
  const azure = path.startsWith('/openai/');
  if (post && path.endsWith('/chat/completions')) return route(openAiFormat, { format: 'openai', endpoint: 'chat', azure });
  if (post && path.endsWith('/embeddings')) return route(openAiFormat, { format: 'openai', endpoint: 'embeddings', azure });
  if (get && path.endsWith('/models')) {
    if (headers['anthropic-version'] !== undefined) return route(anthropicFormat, { format: 'anthropic', endpoint: 'models' });
    if (headers['x-goog-api-key'] !== undefined || query.key !== undefined) {
      return route(geminiFormat, { format: 'gemini', endpoint: 'models' });
    }
    return route(openAiFormat, { format: 'openai', endpoint: 'models', azure });
  }
  if (get) {
    const m = MODEL_PATH.exec(path);
    if (m !== null) return route(openAiFormat, { format: 'openai', endpoint: 'model', azure, pathModel: decodeURIComponent(m[1]!) });
  }
  return undefined;
}
