/** The label value a series gets once its service has seen the maximum number of distinct ones. */
export const OVERFLOW_LABEL = '_other';

export const DEFAULT_MAX_LABEL_SETS = 200;

// A type, not an interface: it is passed where OTel expects an index-signature Attributes.
export type FunctionLabels = { function: string; tenant: string };

/**
 * Keeps metric cardinality bounded: the first `max` distinct (tenant, function) pairs a process
 * sees keep their names; later ones are counted together under `_other`. Functions are created by
 * users, so without a cap one tenant could grow Prometheus without limit.
 */
export function createLabelLimiter(max = DEFAULT_MAX_LABEL_SETS) {
  const seen = new Set<string>();
  const overflow: FunctionLabels = { function: OVERFLOW_LABEL, tenant: OVERFLOW_LABEL };
  return function labels(tenant: string, functionName: string): FunctionLabels {
    const key = `${tenant}\u0000${functionName}`;
    if (seen.has(key)) return { function: functionName, tenant };
    if (seen.size >= max) return overflow;
    seen.add(key);
    return { function: functionName, tenant };
  };
}

export type LabelLimiter = ReturnType<typeof createLabelLimiter>;
