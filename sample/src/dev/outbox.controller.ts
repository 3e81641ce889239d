import { Controller, Get, NotFoundException } from '@nestjs/common';
import { SmsBackend } from './sms-backend.js';

/**
 * Development outbox: the SMS the embedded simulator (or the memory transport) received, so a
 * person trying the sample can read the codes. It does not exist with a real provider.
 */
@Controller('api/outbox')
export class OutboxController {
  constructor(private readonly backend: SmsBackend) {}

  @Get()
  list() {
    const messages = this.backend.outbox();
    if (messages === undefined) {
      throw new NotFoundException(
        'The outbox exists only with the embedded simulator or the memory transport.',
      );
    }
    return { messages };
  }
}
