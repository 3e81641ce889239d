// PLACEHOLDER — owned by the bulk work; replaced with the real options.
export interface BulkModuleOptions {
  readonly concurrency?: number;
}
