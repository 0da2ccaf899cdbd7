import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chatRequestToAnthropic } from '../../lib/providers/anthropic/anthropic-wire.js';
import { chatRequestToGemini } from '../../lib/providers/gemini/gemini-wire.js';
import { ThoughtSignatures } from '../../lib/providers/gemini/thought-signatures.js';
import { chatRequestToOllama } from '../../lib/providers/ollama/ollama-wire.js';
import { OPENAI_FAMILY_PRESETS } from '../../lib/providers/openai/openai-family.js';
import { chatRequestToOpenAi } from '../../lib/providers/openai/openai-wire.js';
import type { ChatCompletionRequest } from '../../lib/types/chat.js';

// README.md's "not sent" column of the providers' request fields, checked against the bodies the wire
// mappings build: a hint the table calls sent must reach the body, one it calls not sent must not.

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** Each hint, with a distinctive value, and the body's text that shows it was sent. */
const HINTS = {
  user: { value: 'user-7f3a', shows: 'user-7f3a' },
  seed: { value: 917_331, shows: '917331' },
  presencePenalty: { value: 0.123, shows: '0.123' },
  frequencyPenalty: { value: 0.456, shows: '0.456' },
  'message `name`': { value: 'speaker-9c2e', shows: 'speaker-9c2e' },
} as const;
type Hint = keyof typeof HINTS;

const REQUEST: ChatCompletionRequest = {
  messages: [{ role: 'user', content: 'hi', name: HINTS['message `name`'].value }],
  user: HINTS.user.value,
  seed: HINTS.seed.value,
  presencePenalty: HINTS.presencePenalty.value,
  frequencyPenalty: HINTS.frequencyPenalty.value,
};

function bodyOf(type: string): Record<string, unknown> {
  if (type === 'anthropic') return chatRequestToAnthropic(REQUEST, 'm', false);
  if (type === 'gemini') return chatRequestToGemini(REQUEST, new ThoughtSignatures());
  if (type === 'ollama') return chatRequestToOllama(REQUEST, 'm', false);
  return chatRequestToOpenAi(REQUEST, 'm', false, OPENAI_FAMILY_PRESETS[type as keyof typeof OPENAI_FAMILY_PRESETS].wire);
}

/** The `not sent` cell of each provider type's row in README.md's table. */
function notSentByType(): Map<string, string> {
  const rows = new Map<string, string>();
  const table = README.slice(README.indexOf('| `providerType` | not sent |'));
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, type, notSent] = line.split('|').map((c) => c.trim());
    rows.set(type!, notSent!);
  }
  return rows;
}

describe("README.md's table of the request fields each provider is not sent", () => {
  const rows = notSentByType();
  const named = [...rows.keys()].filter((k) => k.startsWith('`')).map((k) => k.slice(1, -1));
  const others = Object.keys(OPENAI_FAMILY_PRESETS).filter((t) => !named.includes(t));

  test('the table has a row for anthropic, gemini, ollama and the OpenAI-compatible types it names', () => {
    assert.ok(rows.size >= 8, `rows: ${[...rows.keys()].join(', ')}`);
    for (const type of ['anthropic', 'gemini', 'ollama']) assert.ok(named.includes(type), type);
    assert.ok(others.includes('openai') && others.includes('openrouter'), others.join(', '));
  });

  for (const [row, notSent] of rows) {
    const types = row.startsWith('`') ? [row.slice(1, -1)] : others;
    for (const type of types) {
      test(`${type}: ${notSent === 'nothing' ? 'every hint is sent' : `not sent: ${notSent}`}`, () => {
        const body = JSON.stringify(bodyOf(type));
        for (const hint of Object.keys(HINTS) as Hint[]) {
          const listed = notSent.includes(`\`${hint}\``) || (hint === 'message `name`' && notSent.includes('message `name`'));
          assert.equal(!body.includes(HINTS[hint].shows), listed, `${hint}: the README says ${listed ? 'not sent' : 'sent'}; body ${body}`);
        }
      });
    }
  }
});
