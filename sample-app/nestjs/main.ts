import { banner, closeOnSignals, sampleUrls, startFailureLine } from '../shared/banner.js';
import { loadSampleConfig } from '../shared/config.js';
import { startSampleNestApp, type NestPlatform } from './create-nest-app.js';

const platform: NestPlatform = process.env.PLATFORM === 'fastify' ? 'fastify' : 'express';
try {
  const config = loadSampleConfig();
  const running = await startSampleNestApp(config, { platform });
  // Signals first: whoever waits for the banner may send SIGTERM as soon as it reads it.
  closeOnSignals(() => running.close());
  console.log(banner(`nestjs/${platform}`, sampleUrls(running.url, config.metricsPath), config));
} catch (error) {
  console.error(startFailureLine(`nestjs/${platform}`, error));
  process.exit(1);
}
