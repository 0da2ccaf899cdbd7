import { banner, closeOnSignals, sampleUrls } from '../shared/banner.js';
import { loadSampleConfig } from '../shared/config.js';
import { startSampleNestApp, type NestPlatform } from './create-nest-app.js';

const platform: NestPlatform = process.env.PLATFORM === 'fastify' ? 'fastify' : 'express';
try {
  const config = loadSampleConfig();
  const running = await startSampleNestApp(config, { platform });
  console.log(banner(`nestjs/${platform}`, sampleUrls(running.url, config.metricsPath), config));
  closeOnSignals(() => running.close());
} catch (error) {
  console.error(`llm-api-router sample app (nestjs/${platform}) could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
