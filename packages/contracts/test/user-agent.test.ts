import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../src/index';

describe('parseUserAgent', () => {
  it('reads product, version, os and arch from OPA', () => {
    expect(parseUserAgent('Open Policy Agent/v0.12.3 (darwin, amd64)')).toEqual({
      user_agent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
      agent: 'Open Policy Agent',
      agent_version: 'v0.12.3',
      os: 'darwin',
      arch: 'amd64',
    });
  });

  it('lower-cases os and arch and tolerates spacing', () => {
    expect(parseUserAgent('Open Policy Agent/1.4.2 (Windows,ARM64)')).toMatchObject({
      agent_version: '1.4.2',
      os: 'windows',
      arch: 'arm64',
    });
  });

  it('keeps what it can of other agents', () => {
    expect(parseUserAgent('Go-http-client/1.1')).toEqual({
      user_agent: 'Go-http-client/1.1',
      agent: 'Go-http-client',
      agent_version: '1.1',
      os: null,
      arch: null,
    });
    expect(parseUserAgent('Mozilla/5.0 (X11; Linux x86_64)')).toMatchObject({
      agent: 'Mozilla',
      os: null,
      arch: null,
    });
    expect(parseUserAgent('something odd')).toEqual({
      user_agent: 'something odd',
      agent: null,
      agent_version: null,
      os: null,
      arch: null,
    });
  });

  it('gives all nulls without a header', () => {
    for (const header of [undefined, '']) {
      expect(parseUserAgent(header)).toEqual({
        user_agent: null,
        agent: null,
        agent_version: null,
        os: null,
        arch: null,
      });
    }
  });
});
