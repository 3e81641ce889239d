import { Test } from '@nestjs/testing';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { PostaGuverciniModule } from '../posta-guvercini.module.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import { BulkSmsService } from './bulk-sms.service.js';
import { BULK_OPTIONS } from './bulk.providers.js';
import {
  isResolvedBulkOptions,
  type ResolvedBulkOptions,
  resolveBulkOptions,
} from './resolve-bulk-options.js';

describe('bulk providers (options resolved once, injected as a slice)', () => {
  it('provides the resolved bulk slice once and BulkSmsService works on it', async () => {
    const transport = new InMemoryTransport();
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({ transport, sender: 'ACME', bulk: { concurrency: 7 } }),
      ],
    }).compile();
    const slice = moduleRef.get<ResolvedBulkOptions>(BULK_OPTIONS);
    expect(isResolvedBulkOptions(slice)).toBe(true);
    expect(Object.isFrozen(slice)).toBe(true);
    expect(slice).toMatchObject({ concurrency: 7, batchSize: 800, defaultSender: 'ACME' });
    const bulk = moduleRef.get(BulkSmsService);
    const report = await bulk.send({ to: ['05321234567'], text: 'Merhaba', kind: 'informational' })
      .done;
    expect(report.sent).toBe(1);
    expect(transport.outbox.map((m) => m.sender)).toEqual(['ACME']);
    await moduleRef.close();
  });

  it('refuses wrong bulk options at start-up, naming the option', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: new InMemoryTransport(),
            bulk: { concurrency: 0 },
          }),
        ],
      }).compile(),
    ).rejects.toThrow(InvalidOptionsError);
  });

  it('outside Nest, the constructor takes a resolved slice as it is, or resolves raw options', async () => {
    const transport = new InMemoryTransport();
    const slice = resolveBulkOptions({ sender: 'SLICE', bulk: { concurrency: 3 } });
    const bulk = new BulkSmsService(transport, slice);
    await bulk.send({ to: ['05321234567'], text: 'Merhaba', kind: 'informational' }).done;
    expect(transport.outbox.map((m) => m.sender)).toEqual(['SLICE']);
    expect(() => new BulkSmsService(transport, { bulk: { concurrency: 0 } })).toThrow(
      InvalidOptionsError,
    );
  });
});
