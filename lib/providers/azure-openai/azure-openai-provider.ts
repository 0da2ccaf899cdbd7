import { DEFAULT_AZURE_API_VERSION } from '../../config/defaults.js';
import { OpenAiProvider } from '../openai/openai-provider.js';

/**
 * Azure OpenAI: OpenAI's format under `{baseUrl}/openai/deployments/{deployment}/…?api-version=…`, with the
 * key in an `api-key` header. The deployment is `deployment` from the config, else the request's model;
 * with no `deployment` configured, name the model after the deployment (also for embeddings).
 */
export class AzureOpenAiProvider extends OpenAiProvider {
  private readonly root: string;
  private readonly query: string;
  private auth: Record<string, string> | undefined;

  constructor(...args: ConstructorParameters<typeof OpenAiProvider>) {
    super(...args);
    const base = this.config.basePath;
    this.root = base.endsWith('/openai') ? base : `${base}/openai`;
    this.query = `?api-version=${encodeURIComponent(this.config.apiVersion ?? DEFAULT_AZURE_API_VERSION)}`;
  }

  protected override authHeaders(): Record<string, string> {
    return (this.auth ??= this.config.apiKey === undefined ? {} : { 'api-key': this.config.apiKey });
  }

  protected override endpoint(name: string, model: string): string {
    return `${this.root}/deployments/${encodeURIComponent(this.config.deployment ?? model)}/${name}${this.query}`;
  }
}
