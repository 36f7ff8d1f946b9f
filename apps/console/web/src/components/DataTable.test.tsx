import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { requestErrorText } from './DataTable';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gql' ? [] : sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('DataTable', () => {
  it('is the only way pages use ProTable (a bare ProTable rethrows failed requests as uncaught errors)', () => {
    const root = join(__dirname, '..');
    const bare = sources(root).filter(
      (path) => !path.endsWith('DataTable.tsx') && /<ProTable[<\s]/.test(readFileSync(path, 'utf8')),
    );
    expect(bare).toEqual([]);
  });

  it('leaves an ended session to the login page and words other failures', () => {
    expect(requestErrorText(new ApiError('UNAUTHENTICATED', '令牌无效或已过期。'), 'x')).toBeNull();
    expect(requestErrorText(new ApiError('FORBIDDEN', '无权限'), 'x')).toBe('无权限');
    expect(requestErrorText(new TypeError('boom'), '加载失败')).toBe('加载失败');
  });
});
