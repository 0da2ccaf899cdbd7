import type { LlmRouter } from 'llm-api-router';
import { modelNotFound } from './api-error.js';

/** OpenAI's `model` object. `owned_by` names the provider that serves the model first. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** OpenAI's `GET /v1/models` answer. */
export interface OpenAiModelList {
  object: 'list';
  data: OpenAiModel[];
}

/** The models a router routes, as OpenAI's model list. `created` is a Unix time in seconds. */
export function listModelsResponse(router: LlmRouter, created: number): OpenAiModelList {
  return { object: 'list', data: router.listModels().map((m) => ({ id: m.id, object: 'model', created, owned_by: m.provider })) };
}

/** One model of the list (`GET /v1/models/:id`); a 404 `model_not_found` when the router does not serve it. */
export function retrieveModelResponse(router: LlmRouter, id: string, created: number): OpenAiModel {
  const model = listModelsResponse(router, created).data.find((m) => m.id === id);
  if (model === undefined) throw modelNotFound(id);
  return model;
}
