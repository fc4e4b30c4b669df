/**
 * FC runtime names this executor can run: the Node.js family (`nodejs14` … `nodejs22`), run by
 * the Node shim on the executor's own node unless `nodeBinaries` maps a runtime to another
 * binary, and FC's custom runtimes (`custom`, `custom.debian10/11/12`), run as the function's own
 * HTTP server (the host provides the interpreters; the debian suffix is not emulated), and FC's
 * native Python runtimes (`python3`, `python3.9`, `python3.10`, `python3.12`), run by the Python
 * shim on the host's `python3` unless `pythonBinaries` maps a runtime to another interpreter.
 */
export function isSupportedRuntime(runtime: string): boolean {
  return isNodeRuntime(runtime) || isCustomRuntime(runtime) || isPythonRuntime(runtime);
}

/** FC's names are python3 (3.6 on FC), python3.9, python3.10 and python3.12; any python3.x runs. */
export function isPythonRuntime(runtime: string): boolean {
  return /^python3(\.\d+)?$/.test(runtime);
}

export function isNodeRuntime(runtime: string): boolean {
  return /^nodejs\d+$/.test(runtime);
}

export function isCustomRuntime(runtime: string): boolean {
  return /^custom(\.debian\d+)?$/.test(runtime);
}

export function nodeBinaryFor(runtime: string, nodeBinaries: Record<string, string> | undefined): string {
  return nodeBinaries?.[runtime] ?? process.execPath;
}
