import { Controller, Get, Param } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import { listModelsResponse, retrieveModelResponse, type OpenAiModel, type OpenAiModelList } from '../shared/models.js';

/** `GET /v1/models` and `GET /v1/models/:model`: the models the router routes, in OpenAI's shape. */
@Controller('v1/models')
export class ModelsController {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly router: LlmRouter) {}

  @Get()
  list(): OpenAiModelList {
    return listModelsResponse(this.router, this.created);
  }

  @Get(':model')
  retrieve(@Param('model') model: string): OpenAiModel {
    return retrieveModelResponse(this.router, model, this.created);
  }
}
