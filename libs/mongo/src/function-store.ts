import { GridFSBucket, type Db } from 'mongodb';
import type { FunctionRecord, Names } from '@asyncfn/contracts';
import { namedRecords, type NamedRecords } from './named-records.js';

export interface FunctionPage {
  functions: FunctionRecord[];
  nextToken?: string;
}

/** Functions (one document each) and their code (GridFS, one file per tenant and checksum). */
export interface FunctionStore extends NamedRecords<FunctionRecord> {
  saveCode(tenant: string, checksum: string, zip: Buffer): Promise<void>;
  readCode(tenant: string, checksum: string): Promise<Buffer | undefined>;
}

export function createFunctionStore(db: Db, names: Names): FunctionStore {
  const code = new GridFSBucket(db, { bucketName: names.collections.codeBucket });
  const codeName = (tenant: string, checksum: string) => `${tenant}/${checksum}.zip`;

  return {
    ...namedRecords<FunctionRecord, 'functionName'>(db, names.collections.functions, 'functionName'),
    async saveCode(tenant, checksum, zip) {
      const filename = codeName(tenant, checksum);
      if (await code.find({ filename }).limit(1).hasNext()) return;
      await new Promise<void>((resolve, reject) => {
        const upload = code.openUploadStream(filename);
        upload.once('finish', () => resolve());
        upload.once('error', reject);
        upload.end(zip);
      });
    },
    async readCode(tenant, checksum) {
      const filename = codeName(tenant, checksum);
      if (!(await code.find({ filename }).limit(1).hasNext())) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of code.openDownloadStreamByName(filename)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
