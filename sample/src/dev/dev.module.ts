import { Module } from '@nestjs/common';
import { InfoController } from './info.controller.js';
import { OutboxController } from './outbox.controller.js';

/** The development pages' API: mode and demo data, and the outbox. */
@Module({ controllers: [InfoController, OutboxController] })
export class DevModule {}
