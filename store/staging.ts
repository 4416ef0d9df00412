/** Cleaning up after writes that a crash cut short: what both stores' `cleanStaging` take and give. */

export interface CleanStagingOptions {
  /** Leave anything younger than this. Default 24 hours. */
  olderThanMs?: number;
}

export interface CleanStagingResult {
  /** Staging objects (S3) or files (local folder) deleted. */
  stagingDeleted: number;
  /** Incomplete multipart uploads aborted (S3 only). */
  uploadsAborted: number;
}

/** Longer than any write takes, so nothing in progress is touched. */
export const DEFAULT_STAGING_MAX_AGE_MS = 24 * 60 * 60 * 1000;
