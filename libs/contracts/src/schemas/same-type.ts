/*
 * A schema's static type and the documented interface it checks are kept equal by the compiler:
 * `sameType<Static<typeof S>, I>(true)` fails to type-check when a field is added to, removed
 * from or retyped in only one of them. (Mutual assignability: extra optional fields on one side
 * would still slip through, which is why every field is written in both.)
 */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Compile-time only: the argument must be `true`, which it can only be when A and B agree. */
export function sameType<A, B>(agree: Equal<A, B>): void {
  void agree;
}
