import { describe, expect, it } from 'vitest';
import { parseSYaml, substitute } from './s-yaml.js';

// FC's best-practice guide for asynchronous tasks (seed 004), verbatim.
const GUIDE = `edition: 3.0.0
name: stateful-async-inovcation-demo
access: default
resources:
  fc-job:
    component: fc3
    props:
      region: cn-hangzhou
      description: this is test
      handler: index.handler
      memorySize: 128
      runtime: python3
      instanceConcurrency: 1
      timeout: 60
      internetAccess: true
      role: acs:ram::{accountid}:role/aliyunfcdefaultrole
      functionName: my-fc-job
      code: ./code
      asyncInvokeConfig:
        maxAsyncEventAgeInSeconds: 172800   # Max age of a queued event: 48 hours
        maxAsyncRetryAttempts: 1            # Retry once on failure before routing to destination
        asyncTask: true                     # Enables asynchronous task tracking
        qualifier: LATEST
        destinationConfig:
          onSuccess:
            destination: acs:mns:cn-hangzhou:{accountid}:/queues/{myqueue}/messages
          onFailure:
            destination: acs:mns:cn-hangzhou:{accountid}:/queues/{myqueue}/messages
`;

describe('s.yaml (Serverless Devs, edition 3.0.0)', () => {
  it("reads the guide's project: fc3 props asyncfn has, the rest listed as ignored", () => {
    const [spec, ...more] = parseSYaml(GUIDE, '/proj', {});
    expect(more).toEqual([]);
    expect(spec).toEqual({
      functionName: 'my-fc-job',
      codeDir: '/proj/code',
      config: {
        description: 'this is test',
        runtime: 'python3',
        handler: 'index.handler',
        timeout: 60,
        memorySize: 128,
        instanceConcurrency: 1,
      },
      asyncInvokeConfig: {
        asyncTask: true,
        maxAsyncEventAgeInSeconds: 172800,
        maxAsyncRetryAttempts: 1,
        // FC's ARNs pass through: the server maps them.
        destinationConfig: {
          onSuccess: { destination: 'acs:mns:cn-hangzhou:{accountid}:/queues/{myqueue}/messages' },
          onFailure: { destination: 'acs:mns:cn-hangzhou:{accountid}:/queues/{myqueue}/messages' },
        },
      },
      ignored: ['region', 'internetAccess', 'role'],
    });
  });

  it('resolves vars, env and config placeholders in the props it uses', () => {
    const text = `edition: 3.0.0
vars:
  fn: job
  sink: sink-fn
resources:
  a:
    component: fc3
    props:
      functionName: \${vars.fn}-\${env('STAGE')}
      runtime: nodejs20
      role: \${this.unknown}
      code: { src: ./a }
      asyncInvokeConfig:
        destinationConfig:
          onSuccess: { destination: "acs:fc:\${vars['region']}:\${config('AccountID')}:functions/\${vars.sink}" }
  site:
    component: fc3-domain
    props: { domainName: x }
`;
    expect(() => parseSYaml(text, '/p', { STAGE: 'dev' })).toThrow(/\$\{vars\['region'\]\} is not in vars/);
    const fixed = text.replace("vars['region']", 'env.REGION');
    const [spec] = parseSYaml(fixed, '/p', { STAGE: 'dev', REGION: 'cn-shanghai' });
    expect(spec!.functionName).toBe('job-dev');
    expect(spec!.codeDir).toBe('/p/a');
    expect(spec!.asyncInvokeConfig).toEqual({
      destinationConfig: { onSuccess: { destination: 'acs:fc:cn-shanghai:local:functions/sink-fn' } },
    });
    expect(spec!.ignored).toEqual(['role']);
    expect(() => parseSYaml(fixed, '/p', { REGION: 'x' })).toThrow(
      /\$\{env\('STAGE'\)\}: the variable is not set/,
    );
  });

  it('refuses other editions, projects without fc3 and OSS code', () => {
    expect(() => parseSYaml(GUIDE.replace('3.0.0', '1.0.0'), '/p', {})).toThrow(
      /edition 1.0.0 is not supported/,
    );
    expect(() => parseSYaml('edition: 3.0.0\nresources: {}\n', '/p', {})).toThrow(/no resource uses the fc3/);
    expect(() =>
      parseSYaml(GUIDE.replace('code: ./code', 'code: { ossBucketName: b, ossObjectName: o }'), '/p', {}),
    ).toThrow(/code in OSS is not supported/);
  });

  it('substitutes inside lists and mappings', () => {
    expect(
      substitute({ a: ['${vars.x}', { b: 'pre-${vars.x}' }], n: 1 }, { vars: { x: 'X' }, env: {} }, 'p'),
    ).toEqual({
      a: ['X', { b: 'pre-X' }],
      n: 1,
    });
  });
});
