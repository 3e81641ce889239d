import { Test } from '@nestjs/testing';
import { PostaGuverciniModule, SmsTransport, InMemoryTransport } from '../lib/index.js';

describe('PostaGuverciniModule (smoke)', () => {
  it('provides the memory transport', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PostaGuverciniModule.forRoot({ transport: 'memory' })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    expect(app.get(SmsTransport)).toBeInstanceOf(InMemoryTransport);
    await app.close();
  });
});
