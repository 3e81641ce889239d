import { randomBytes } from 'node:crypto';
import { maskPhoneNumber } from 'nestjs-posta-guvercini';
import { PostaGuverciniSimulator } from 'nestjs-posta-guvercini/testing';

/**
 * Local development without an account: when `POSTA_GUVERCINI_OTP_BASE_URL` is not set, starts
 * a provider simulator in this process on 127.0.0.1, points the app's variables at it and
 * prints every SMS it receives (as `npx posta-guvercini-simulator` does). Returns `undefined`
 * (and changes nothing) when a base URL is configured.
 */
export async function startDevSimulator(
  print: (line: string) => void = (line) => console.log(line),
): Promise<PostaGuverciniSimulator | undefined> {
  if (process.env.POSTA_GUVERCINI_OTP_BASE_URL) return undefined;
  const simulator = new PostaGuverciniSimulator();
  await simulator.start();
  const otp = simulator.accounts.otp!;
  process.env.POSTA_GUVERCINI_OTP_USERNAME = otp.username;
  process.env.POSTA_GUVERCINI_OTP_PASSWORD = otp.password;
  process.env.POSTA_GUVERCINI_OTP_BASE_URL = otp.baseUrl;
  process.env.OTP_SECRET ??= randomBytes(32).toString('base64');
  simulator.on('message', (message: { to: string; text: string }) =>
    print(`  SMS to ${maskPhoneNumber(message.to)}: ${message.text}`),
  );
  return simulator;
}
