import type { z } from 'zod';
import { ApiError } from '@asyncfn/contracts';

/** The input as `schema` reads it, or FC's InvalidArgument naming the first field that is wrong. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || 'body';
    throw new ApiError('InvalidArgument', `${path}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
