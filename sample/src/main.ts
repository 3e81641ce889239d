import type { AddressInfo } from 'node:net';
import { SampleSettings } from './config/sample-settings.js';
import { createSampleApp } from './create-app.js';
import { SmsBackend } from './dev/sms-backend.js';
import { startSampleTelemetry } from './telemetry.js';

/**
 * `npm run sample`: the sample app on http://127.0.0.1:3000 (PORT, HOST). Without credentials
 * it starts the Posta Güvercini simulator in-process and sends nothing anywhere; with
 * credentials in `.env` it talks to Posta Güvercini over HTTPS.
 */
// OpenTelemetry export, only with SAMPLE_OTEL=console or SAMPLE_OTEL=prometheus.
const stopTelemetry = await startSampleTelemetry();
const app = await createSampleApp({ logger: ['warn', 'error'] });
if (stopTelemetry) process.once('beforeExit', () => void stopTelemetry());
app.enableShutdownHooks();
const settings = app.get(SampleSettings);
const backend = app.get(SmsBackend);
app.useLogger(false); // a busy port is explained below in one line, not logged twice
try {
  await app.listen(settings.port, settings.host);
  app.useLogger(['warn', 'error']);
} catch (error) {
  await app.close();
  if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${settings.port} is already in use: stop what is using it, or start the sample on another port with PORT=<n> npm run sample`,
  );
  process.exit(1);
}

const { port } = app.getHttpServer().address() as AddressInfo;
const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
console.log(
  [
    '',
    `  nestjs-posta-guvercini sample app: ${url}`,
    '',
    `  SMS go to the ${backend.describe()}`,
    ...(settings.hasOutbox ? [`  Read the codes at ${url}/outbox`] : []),
    `  Health: ${url}/health · stop with Ctrl+C`,
    ...(stopTelemetry
      ? [
          process.env['SAMPLE_OTEL'] === 'prometheus'
            ? `  OpenTelemetry: metrics for Prometheus at http://localhost:${process.env['SAMPLE_OTEL_PROMETHEUS_PORT'] ?? 9464}/metrics (SAMPLE_OTEL)`
            : '  OpenTelemetry: metrics and spans to the console (SAMPLE_OTEL)',
        ]
      : []),
    '',
  ].join('\n'),
);
