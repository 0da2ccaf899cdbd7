const REDACTED = '[REDACTED]';
const GENERIC =
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}|((?:api[-_]?key|key|token)=)[^&\s"']+|\b(sk-(?:ant-)?[A-Za-z0-9_-]{6})[A-Za-z0-9_-]{8,}|\b(AIza)[0-9A-Za-z_-]{20,}|\b(gsk_|xai-)[A-Za-z0-9]{20,}/gi;

/**
 * Removes secrets from a text: each given secret verbatim, plus bearer tokens, `key=` query values,
 * `sk-` style keys (OpenAI, Anthropic, DeepSeek…), Google `AIza`, Groq `gsk_` and xAI `xai-` keys.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(GENERIC, (_m, bearer?: string, param?: string, skPrefix?: string, google?: string, vendor?: string) => {
    if (bearer !== undefined) return `${bearer}${REDACTED}`;
    if (param !== undefined) return `${param}${REDACTED}`;
    return `${skPrefix ?? google ?? vendor ?? ''}${REDACTED}`;
  });
}
