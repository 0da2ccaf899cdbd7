import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Body, Controller, type INestApplication, Module, type ModuleMetadata, Post, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LlmRouter } from '../../lib/index.js';
export { drive, mockProvider } from './router-helpers.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

export interface RunningApp {
  app: INestApplication;
  url: string;
}

/** Starts a Nest application on 127.0.0.1, port 0, on the given platform, silently. */
export async function startNest(module: Type<unknown>, platform: Platform): Promise<RunningApp> {
  const app =
    platform === 'express'
      ? await NestFactory.create(module, { logger: false })
      : await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** A fresh root module class with the given metadata. */
export function makeModule(metadata: ModuleMetadata): Type<unknown> {
  @Module(metadata)
  class TestAppModule {}
  return TestAppModule;
}

/** A user controller that gets the router injected by class. */
@Controller('chat')
export class ChatController {
  constructor(private readonly router: LlmRouter) {}

  @Post()
  async chat(@Body() body: { content?: string }): Promise<{ content: string | null; provider: string }> {
    const res = await this.router.chat.completions.create({ messages: [{ role: 'user', content: body.content ?? 'hello' }] });
    return { content: typeof res.choices[0]!.message.content === 'string' ? res.choices[0]!.message.content : null, provider: res.provider };
  }
}

export async function postChat(url: string, content = 'hello'): Promise<{ content: string | null; provider: string }> {
  const res = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
  if (res.status !== 201) throw new Error(`POST /chat answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { content: string | null; provider: string };
}
