import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { startDevSimulator } from './dev-simulator.js';

/**
 * `npm run sample:minimal`: the minimal sample on http://127.0.0.1:3001 (`PORT`). Without
 * `POSTA_GUVERCINI_OTP_BASE_URL` it runs on an embedded simulator and prints every SMS here.
 */
if (existsSync('.env')) process.loadEnvFile('.env'); // so that a base URL set there counts
const simulator = await startDevSimulator();
const app = await NestFactory.create(AppModule, { logger: ['warn', 'error'] });
const port = Number(process.env.PORT ?? 3001);
app.useLogger(false); // a busy port is explained below in one line, not logged twice
try {
  await app.listen(port, '127.0.0.1');
  app.useLogger(['warn', 'error']);
} catch (error) {
  await app.close();
  await simulator?.stop();
  if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${port} is already in use: stop what is using it, or start the sample on another port with PORT=<n> npm run sample:minimal`,
  );
  process.exit(1);
}
const stop = async (): Promise<void> => {
  await app.close();
  await simulator?.stop();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

const url = `http://127.0.0.1:${port}`;
console.log(
  [
    `Minimal sample: ${url}`,
    simulator
      ? `SMS go to an embedded simulator (${simulator.otpBaseUrl}); they are printed below.`
      : `SMS go to ${process.env.POSTA_GUVERCINI_OTP_BASE_URL}.`,
    `Try: curl -s ${url}/login -H 'content-type: application/json' -d '{"phone":"0532 123 45 67"}'`,
  ].join('\n'),
);
