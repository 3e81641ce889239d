// PLACEHOLDER — owned by the OTP work; replaced with the real options.
export interface OtpModuleOptions {
  readonly secret?: string;
}
