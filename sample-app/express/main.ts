import { banner, closeOnSignals, sampleUrls, startFailureLine } from '../shared/banner.js';
import { loadSampleConfig } from '../shared/config.js';
import { startSampleExpressApp } from './create-express-app.js';

try {
  const config = loadSampleConfig();
  const running = await startSampleExpressApp(config);
  // Signals first: whoever waits for the banner may send SIGTERM as soon as it reads it.
  closeOnSignals(() => running.close());
  console.log(banner('express', sampleUrls(running.url, config.metricsPath), config));
} catch (error) {
  console.error(startFailureLine(`express`, error));
  process.exit(1);
}
