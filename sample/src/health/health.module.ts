import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PostaGuverciniHealthIndicator } from 'nestjs-posta-guvercini';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [PostaGuverciniHealthIndicator],
})
export class HealthModule {}
