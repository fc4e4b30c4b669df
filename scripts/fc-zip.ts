/**
 * Prints a directory as a base64 zip, the form FC's code.zipFile takes:
 *   npx tsx scripts/fc-zip.ts examples/hello
 */
import { zipDirectory } from '@asyncfn/runtime';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/fc-zip.ts <function directory>');
  process.exit(2);
}
process.stdout.write(zipDirectory(dir).toString('base64'));
