import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { PostaGuverciniHealthIndicator } from 'nestjs-posta-guvercini';
import { SampleSettings } from '../config/sample-settings.js';

/**
 * `GET /health`: 200 `ok` when every configured Posta Güvercini account answers, 200
 * `degraded` when a balance is below `HEALTH_CREDIT_THRESHOLD`, 503 `error` when an account
 * does not answer (wrong credentials, host unreachable).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sms: PostaGuverciniHealthIndicator,
    private readonly settings: SampleSettings,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.sms.isHealthy('posta_guvercini', {
          creditThreshold: this.settings.healthCreditThreshold,
        }),
    ]);
  }
}
