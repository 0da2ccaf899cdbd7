import { banner, closeOnSignals, sampleUrls, startFailureLine } from '../shared/banner.js';
import { loadSampleConfig } from '../shared/config.js';
import { startSampleExpressApp } from './create-express-app.js';

try {
  const config = loadSampleConfig();
  const running = await startSampleExpressApp(config);
  console.log(banner('express', sampleUrls(running.url, config.metricsPath), config));
  closeOnSignals(() => running.close());
} catch (error) {
  console.error(startFailureLine(`express`, error));
  process.exit(1);
}
