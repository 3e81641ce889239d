import { BadRequestException } from '@nestjs/common';

/**
 * A 400 that names the form field it is about, so the page can show the message next to that
 * control: `{ statusCode: 400, error: 'Bad Request', message, field }`.
 */
export function fieldError(field: string, message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message, field });
}
