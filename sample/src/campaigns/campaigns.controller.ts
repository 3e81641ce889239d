import {
  Body,
  Controller,
  Get,
  HttpCode,
  type MessageEvent,
  Param,
  ParseUUIDPipe,
  Post,
  Sse,
} from '@nestjs/common';
import { analyzeSmsText, transliterateTurkish } from 'nestjs-posta-guvercini';
import type { Observable } from 'rxjs';
import { type CampaignInput, CampaignDesk } from './campaign.desk.js';
import { DEMO_RULES } from './demo-consent.js';

/**
 * The operator's bulk campaign screen: start a campaign, follow it live (Server-Sent Events
 * from the campaign's progress Observable), read the report and the delivery statuses.
 * A real app puts this behind its operator authentication.
 */
@Controller('api/campaigns')
export class CampaignsController {
  constructor(private readonly desk: CampaignDesk) {}

  @Get('rules')
  rules() {
    return DEMO_RULES;
  }

  /** Encoding and SMS count of a text, and what transliterating Turkish letters would save. */
  @Post('preview')
  @HttpCode(200)
  preview(@Body() body: { text?: unknown } | undefined) {
    const text = typeof body?.text === 'string' ? body.text.slice(0, 2_000) : '';
    const analysis = analyzeSmsText(text);
    const ascii = analyzeSmsText(transliterateTurkish(text));
    return { ...analysis, transliteratedSegments: ascii.segments };
  }

  @Post()
  @HttpCode(202)
  start(@Body() body: CampaignInput | undefined) {
    const { id, total } = this.desk.start(body ?? {});
    return { id, total, events: `/api/campaigns/${id}/events` };
  }

  @Sse(':id/events')
  events(@Param('id', ParseUUIDPipe) id: string): Observable<MessageEvent> {
    return this.desk.events(id);
  }

  @Get(':id')
  report(@Param('id', ParseUUIDPipe) id: string) {
    return this.desk.report(id);
  }

  @Get(':id/statuses')
  statuses(@Param('id', ParseUUIDPipe) id: string) {
    return this.desk.statuses(id);
  }
}
