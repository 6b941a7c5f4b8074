import { Command, Option } from 'nest-commander';
import { CliCommand, CliFailure, CliOutput } from '../cli/cli-support.js';
import { AppConfig } from '../config/app-config.js';
import { imageStoreFor } from './image-store.factory.js';
import { STORAGE_DRIVERS, type StorageDriver } from './image-store.js';
import { copyImageStore } from './store-copy.js';

interface CopyFlags {
  to?: StorageDriver;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * `npm run storage:copy -- --to s3` (or `--to fs`): copies the image files from the folder into
 * the bucket, or back, before STORAGE_DRIVER is switched. Resumable and verified by hash.
 */
@Command({
  name: 'storage-copy',
  description: 'Copies every image file from IMAGE_STORAGE_DIR into the S3 bucket (--to s3) or back (--to fs), each verified by sha256; run again to resume',
})
export class StorageCopyCommand extends CliCommand {
  constructor(
    private readonly config: AppConfig,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], { to }: CopyFlags): Promise<void> {
    if (!to) throw new CliFailure('Say where to copy to: --to s3 (the folder into the bucket) or --to fs (the bucket into the folder)');
    if (!this.config.storage.s3) throw new CliFailure('Set S3_BUCKET (and S3_ENDPOINT, the keys, S3_PREFIX as the service will use them) to name the bucket');
    const [from, target] = await Promise.all([imageStoreFor(to === 's3' ? 'fs' : 's3', this.config), imageStoreFor(to, this.config)]);
    try {
      this.output.out(`Copying image files from ${from.location} to ${target.location}`);
      let reported = 0;
      const report = await copyImageStore(from, target, {
        onFile: ({ copied, alreadyThere, failed }) => {
          const done = copied + alreadyThere + failed.length;
          if (done - reported >= 500) this.output.out(`  … ${(reported = done)} files`);
        },
      });
      this.output.out(`Copied ${report.copied} files (${megabytes(report.copiedBytes)}), each read back with the same sha256; ${report.alreadyThere} were already there`);
      if (report.failed.length > 0) {
        for (const { name, reason } of report.failed) this.output.err(`  ${name}: ${reason}`);
        throw new CliFailure(`${report.failed.length} files could not be copied (listed above); run again to retry them`);
      }
      this.output.out(to === 's3' ? 'Now set STORAGE_DRIVER=s3 and restart; the folder is left as it was.' : 'Now set STORAGE_DRIVER=fs and restart; the bucket is left as it was.');
    } finally {
      await Promise.all([from.close(), target.close()]);
    }
  }

  @Option({ flags: '--to <driver>', description: 'where the files go: s3 or fs', required: true })
  parseTo(value: string): StorageDriver {
    const driver = STORAGE_DRIVERS.find((candidate) => candidate === value);
    if (!driver) throw new CliFailure(`--to must be one of ${STORAGE_DRIVERS.join(', ')} (got "${value}")`);
    return driver;
  }
}
