import { statSync } from 'node:fs';
import AdmZip from 'adm-zip';
import { UsageError } from '../errors.js';

/** Folders never shipped: version control and Serverless Devs' state. */
const SKIP = /(^|\/)(\.git|\.s)(\/|$)/;

/** The directory as a zip, what FC's code.zipFile holds (base64 of it). */
export function zipDirectory(dir: string): Buffer {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`code: ${dir} is not a directory`);
  const zip = new AdmZip();
  zip.addLocalFolder(dir, '', (path) => !SKIP.test(path.replaceAll('\\', '/')));
  return zip.toBuffer();
}
