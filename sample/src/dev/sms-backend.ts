import { type OnApplicationShutdown } from '@nestjs/common';
import {
  DEFAULT_BULK_BASE_URL,
  DEFAULT_OTP_BASE_URL,
  InMemoryTransport,
  type PostaGuverciniModuleOptions,
} from 'nestjs-posta-guvercini';
import { PostaGuverciniSimulator } from 'nestjs-posta-guvercini/testing';
import type { SampleSettings } from '../config/sample-settings.js';

/** One SMS as the development outbox page shows it. */
export interface DevOutboxEntry {
  readonly id: string;
  /** `otp` or `bulk`: which account (and host) it went through. */
  readonly channel: 'otp' | 'bulk';
  /** Canonical number, `905XXXXXXXXX`. */
  readonly to: string;
  readonly text: string;
  readonly createdAt: string;
  readonly sendAt?: string;
  readonly validUntil?: string;
  readonly sender?: string;
  /** Provider status code, e.g. `200`, `400` (simulator only). */
  readonly status?: string;
}

/** Numbers the demo simulator treats as blacklisted on the bulk host (status `-242`). */
export const DEMO_BLACKLISTED = ['905329999998'];

/**
 * Where the sample's SMS go. In the development modes it owns the embedded simulator (started
 * on 127.0.0.1 before the Posta Güvercini module is built, stopped at shutdown) or the memory
 * transport, and lists what they received for the outbox page. With real credentials it only
 * passes them on.
 */
export class SmsBackend implements OnApplicationShutdown {
  private constructor(
    private readonly settings: SampleSettings,
    readonly simulator: PostaGuverciniSimulator | undefined,
    readonly memory: InMemoryTransport | undefined,
  ) {}

  static async start(settings: SampleSettings): Promise<SmsBackend> {
    if (settings.mode === 'embedded') {
      const simulator = new PostaGuverciniSimulator({ blacklist: DEMO_BLACKLISTED });
      await simulator.start();
      if (settings.simulatorLatencyMs > 0) {
        // Like a real provider under load: each bulk send answers after a while, so the
        // campaign screen's progress moves batch by batch (SIMULATOR_LATENCY_MS).
        simulator.injectFault({
          kind: 'latency',
          ms: settings.simulatorLatencyMs,
          profile: 'bulk',
          operation: 'send',
          times: Infinity,
        });
      }
      return new SmsBackend(settings, simulator, undefined);
    }
    if (settings.mode === 'memory')
      return new SmsBackend(settings, undefined, new InMemoryTransport());
    return new SmsBackend(settings, undefined, undefined);
  }

  /** `transport` and `accounts` for `PostaGuverciniModule`. */
  connection(): Pick<PostaGuverciniModuleOptions, 'transport' | 'accounts'> {
    if (this.simulator !== undefined) {
      return { transport: this.settings.transport, accounts: this.simulator.accounts };
    }
    if (this.memory !== undefined) return { transport: this.memory };
    return { transport: this.settings.transport, accounts: this.settings.accounts };
  }

  /** A short description for the pages and the start-up log (never a password). */
  describe(): string {
    if (this.simulator !== undefined) {
      return `embedded simulator (${this.settings.transport} API) on ${this.simulator.otpBaseUrl} (OTP) and ${this.simulator.bulkBaseUrl} (bulk)`;
    }
    if (this.memory !== undefined) return 'in-memory transport (nothing is sent)';
    const hosts = (['otp', 'bulk'] as const)
      .filter((channel) => this.settings.accounts[channel] !== undefined)
      .map(
        (channel) =>
          `${channel}: ${new URL(this.settings.accounts[channel]!.baseUrl ?? (channel === 'otp' ? DEFAULT_OTP_BASE_URL : DEFAULT_BULK_BASE_URL)).host}`,
      );
    return `Posta Güvercini (${this.settings.transport} API; ${hosts.join(', ')})`;
  }

  /** Messages received so far, newest first; `undefined` with a real provider. */
  outbox(limit = 200): DevOutboxEntry[] | undefined {
    if (this.simulator !== undefined) {
      const simulator = this.simulator;
      return simulator.messages
        .slice(-limit)
        .reverse()
        .map((message) => ({
          id: message.id,
          channel: message.profile,
          to: message.to,
          text: message.text,
          createdAt: message.createdAt.toISOString(),
          ...(message.sendAt ? { sendAt: message.sendAt.toISOString() } : {}),
          ...(message.validUntil ? { validUntil: message.validUntil.toISOString() } : {}),
          ...(message.sender ? { sender: message.sender } : {}),
          ...(simulator.statusOf(message.id)
            ? { status: String(simulator.statusOf(message.id)!.code) }
            : {}),
        }));
    }
    if (this.memory !== undefined) {
      return this.memory.outbox
        .slice(-limit)
        .reverse()
        .map((message) => ({
          id: message.messageId,
          channel: message.channel,
          to: message.to,
          text: message.text,
          createdAt: message.createdAt.toISOString(),
          ...(message.sendAt ? { sendAt: message.sendAt.toISOString() } : {}),
          ...(message.validUntil ? { validUntil: message.validUntil.toISOString() } : {}),
          ...(message.sender ? { sender: message.sender } : {}),
        }));
    }
    return undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.simulator?.stop();
  }
}
