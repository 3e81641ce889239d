import { Module } from '@nestjs/common';
import { CampaignDesk } from './campaign.desk.js';
import { CampaignsController } from './campaigns.controller.js';

/** Bulk campaigns for an operator, on `BulkSmsService`. */
@Module({ controllers: [CampaignsController], providers: [CampaignDesk] })
export class CampaignsModule {}
