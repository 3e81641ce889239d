import { Logger } from '@nestjs/common';
import { SampleSettings } from './config/sample-settings.js';
import { createSampleApp } from './create-app.js';
import { SmsBackend } from './dev/sms-backend.js';

/**
 * `npm run sample`: the sample app on http://127.0.0.1:3000 (PORT, HOST). Without credentials
 * it starts the Posta Güvercini simulator in-process and sends nothing anywhere; with
 * credentials in `.env` it talks to Posta Güvercini over HTTPS.
 */
const app = await createSampleApp();
app.enableShutdownHooks();
const settings = app.get(SampleSettings);
const backend = app.get(SmsBackend);
await app.listen(settings.port, settings.host);

const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${app.getHttpServer().address().port}`;
const logger = new Logger('Sample');
logger.log(`SMS go to the ${backend.describe()}`);
if (settings.hasOutbox) logger.log(`Read the codes at ${url}/outbox`);
logger.log(`Sample app ready: ${url}`);
