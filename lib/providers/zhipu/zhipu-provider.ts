import { OpenAiProvider } from '../openai/openai-provider.js';
import { ZhipuTokenCache } from './zhipu-token.js';

const NO_AUTH: Record<string, string> = {};

/**
 * Zhipu (BigModel, GLM): OpenAI's format under `/api/paas/v4`, authorised by an HS256 JWT signed from the
 * `id.secret` key, cached until shortly before it expires. The secret and the current token are redacted
 * like the key.
 */
export class ZhipuProvider extends OpenAiProvider {
  private readonly tokens: ZhipuTokenCache | undefined;
  /** The headers of the current token, kept so that the merged request headers can be reused. */
  private auth: { token: string; headers: Record<string, string> } | undefined;

  constructor(...args: ConstructorParameters<typeof OpenAiProvider>) {
    super(...args);
    const key = this.config.apiKey;
    if (key === undefined) return;
    this.secrets.push(key.slice(key.indexOf('.') + 1));
    this.tokens = new ZhipuTokenCache(key, (token, previous) => {
      const at = previous === undefined ? -1 : this.secrets.indexOf(previous);
      if (at === -1) this.secrets.push(token);
      else this.secrets[at] = token;
    });
  }

  protected override authHeaders(): Record<string, string> {
    if (this.tokens === undefined) return NO_AUTH;
    const token = this.tokens.get();
    if (this.auth?.token !== token) this.auth = { token, headers: { authorization: `Bearer ${token}` } };
    return this.auth.headers;
  }
}
