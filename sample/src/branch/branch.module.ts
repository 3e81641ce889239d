import { Module } from '@nestjs/common';
import { BranchOtpController } from './branch-otp.controller.js';
import { BranchController } from './branch.controller.js';
import { CustomerDirectory } from './customer.directory.js';
import { PasswordCheckedGuard } from './password-checked.guard.js';

/** Internet-branch login: password, then a one-time password, then the signed-in pages. */
@Module({
  controllers: [BranchController, BranchOtpController],
  providers: [CustomerDirectory, PasswordCheckedGuard],
})
export class BranchModule {}
