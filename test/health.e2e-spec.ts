import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  PostaGuverciniHealthIndicator,
  type PostaGuverciniHealthOptions,
  PostaGuverciniModule,
  type TransportName,
} from '../lib/index.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';

/** The health options the controller uses, set per test. */
let healthOptions: PostaGuverciniHealthOptions = {};

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sms: PostaGuverciniHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sms.isHealthy('sms', healthOptions)]);
  }
}

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [PostaGuverciniHealthIndicator],
})
class HealthModule {}

const WIRE_TRANSPORTS: TransportName[] = ['http', 'xml', 'soap', 'json'];

describe.each(WIRE_TRANSPORTS)(
  'GET /health with PostaGuverciniHealthIndicator over the %s transport',
  (transport) => {
    let simulator: PostaGuverciniSimulator;
    let app: INestApplication;

    beforeAll(async () => {
      simulator = new PostaGuverciniSimulator({ credit: { otp: 4_000, bulk: 250_000 } });
      await simulator.start();
    });

    afterAll(async () => {
      await simulator.stop();
    });

    async function startApp(accounts = simulator.accounts): Promise<void> {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({ transport, accounts, timeoutMs: 2_000 }),
          HealthModule,
        ],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
    }

    beforeEach(() => {
      healthOptions = {};
      simulator.reset();
      simulator.setCredit('otp', 4_000);
      simulator.setCredit('bulk', 250_000);
    });

    afterEach(async () => {
      await app.close();
    });

    it('answers 200 ok with both balances when the accounts answer above the threshold', async () => {
      await startApp();
      healthOptions = { creditThreshold: 1_000 };
      const response = await request(app.getHttpServer()).get('/health').expect(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        details: {
          sms: {
            status: 'up',
            otp: { answered: true, balance: 4_000, threshold: 1_000, lowCredit: false },
            bulk: { answered: true, balance: 250_000, threshold: 1_000, lowCredit: false },
          },
        },
      });
      const credits = simulator.requests.filter((r) => r.operation.toLowerCase().includes('cre'));
      expect(credits.map((r) => r.profile).sort()).toEqual(['bulk', 'otp']);
    });

    it('answers 200 degraded when a balance is below the threshold', async () => {
      await startApp();
      simulator.setCredit('otp', 40);
      healthOptions = { creditThreshold: { otp: 100, bulk: 10_000 } };
      const response = await request(app.getHttpServer()).get('/health').expect(200);
      expect(response.body.status).toBe('degraded');
      expect(response.body.details.sms).toMatchObject({
        status: 'degraded',
        otp: { balance: 40, threshold: 100, lowCredit: true },
        bulk: { balance: 250_000, lowCredit: false },
        message: expect.stringContaining('otp account'),
      });
    });

    it('answers 200 degraded with waitingForCredit when an account has no credit, without any threshold', async () => {
      await startApp();
      simulator.setCredit('bulk', 0);
      const response = await request(app.getHttpServer()).get('/health').expect(200);
      expect(response.body.details.sms).toEqual({
        status: 'degraded',
        otp: { answered: true, balance: 4_000, lowCredit: false },
        bulk: { answered: true, balance: 0, lowCredit: true, waitingForCredit: true },
        message:
          'Posta Güvercini has no credit on the bulk account: nothing is sent until it is topped up (messages accepted meanwhile wait with status 110, waiting_credit)',
      });
    });

    it("answers 503 below the threshold when lowCredit is 'down'", async () => {
      await startApp();
      simulator.setCredit('bulk', 5);
      healthOptions = { creditThreshold: 10, lowCredit: 'down' };
      const response = await request(app.getHttpServer()).get('/health').expect(503);
      expect(response.body.status).toBe('error');
      expect(response.body.error.sms).toMatchObject({
        status: 'down',
        bulk: { balance: 5, lowCredit: true },
      });
    });

    it('answers 503 when the provider fails the credit query, naming the typed error', async () => {
      await startApp();
      simulator.injectFault({
        kind: 'http-status',
        status: 502,
        profile: 'bulk',
        operation: 'credit',
        times: Infinity,
      });
      const response = await request(app.getHttpServer()).get('/health').expect(503);
      expect(response.body.error.sms).toMatchObject({
        status: 'down',
        otp: { answered: true },
        bulk: { answered: false, error: 'TRANSPORT_HTTP_STATUS' },
      });
    });

    it('answers 503 for wrong credentials without showing the password', async () => {
      const accounts = {
        ...simulator.accounts,
        otp: { ...simulator.accounts.otp!, password: 'wrong-password-4711' },
      };
      await startApp(accounts);
      const response = await request(app.getHttpServer()).get('/health').expect(503);
      expect(response.body.error.sms.otp).toMatchObject({ answered: false });
      expect(response.body.error.sms.bulk).toMatchObject({ answered: true });
      expect(JSON.stringify(response.body)).not.toContain('wrong-password-4711');
      expect(JSON.stringify(response.body)).not.toContain('otp-secret');
    });
  },
);
