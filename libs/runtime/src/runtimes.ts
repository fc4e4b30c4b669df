/**
 * FC runtime names this executor can run: the Node.js family (`nodejs14` … `nodejs22`). They
 * all run on the executor's own node unless `nodeBinaries` maps a runtime to another binary.
 */
export function isSupportedRuntime(runtime: string): boolean {
  return /^nodejs\d+$/.test(runtime);
}

export function nodeBinaryFor(runtime: string, nodeBinaries: Record<string, string> | undefined): string {
  return nodeBinaries?.[runtime] ?? process.execPath;
}
