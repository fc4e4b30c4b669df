import { Type, type TSchema } from 'typebox';

/**
 * A reference to a shared schema by its $id (a component of the OpenAPI document), typed as the
 * schema itself so that Static<> of the enclosing schema sees through it.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T): T {
  if (!schema.$id) throw new Error('ref: the schema has no $id');
  return Type.Ref(schema.$id) as unknown as T;
}
