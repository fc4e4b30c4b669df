import { Type } from 'typebox';

/*
 * FC's Function as the API answers it. Documented field by field, but open: the view is the stored
 * record minus the server's own fields (libs/core functionView), so it is not derived from here.
 */
export const FunctionSchema = Type.Object(
  {
    functionName: Type.String(),
    functionId: Type.String(),
    functionArn: Type.String(),
    description: Type.String(),
    runtime: Type.String(),
    handler: Type.String(),
    timeout: Type.Integer({ description: 'seconds' }),
    memorySize: Type.Integer({ description: 'MB' }),
    instanceConcurrency: Type.Integer(),
    environmentVariables: Type.Object({}, { additionalProperties: Type.String() }),
    internetAccess: Type.Optional(Type.Boolean()),
    instanceLifecycleConfig: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'initializer, preStop, preFreeze' }),
    ),
    customRuntimeConfig: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'command, args, port' }),
    ),
    codeChecksum: Type.String({ description: 'sha256 hex of the zip' }),
    localDirectory: Type.Optional(
      Type.String({ description: 'extension: the code runs from this directory' }),
    ),
    codeSize: Type.Integer(),
    createdTime: Type.String(),
    lastModifiedTime: Type.String(),
    state: Type.String({ description: 'always Active' }),
    lastUpdateStatus: Type.String({ description: 'always Successful' }),
  },
  { $id: 'Function', additionalProperties: true },
);

export const ListFunctionsOutputSchema = Type.Object(
  {
    functions: Type.Array(Type.Ref('Function')),
    nextToken: Type.Optional(Type.String()),
  },
  { $id: 'ListFunctionsOutput' },
);
