import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../auth/session';
import { ApiError } from './client';
import { downloadFile, filenameFromDisposition } from './files';

describe('filenameFromDisposition', () => {
  it('prefers the RFC 5987 name (Django writes Chinese names that way)', () => {
    expect(filenameFromDisposition("attachment; filename*=utf-8''%E6%88%BF%E5%B1%8B%E5%8F%B0%E8%B4%A6.xlsx", 'x')).toBe('房屋台账.xlsx');
    expect(filenameFromDisposition('attachment; filename="a.csv"; filename*=UTF-8\'\'%E6%88%BF.csv', 'x')).toBe('房.csv');
  });
  it('reads a plain name, and falls back when there is none or it is broken', () => {
    expect(filenameFromDisposition('attachment; filename="houses.csv"', 'x')).toBe('houses.csv');
    expect(filenameFromDisposition('attachment; filename=houses.csv', 'x')).toBe('houses.csv');
    expect(filenameFromDisposition(null, 'fallback.xlsx')).toBe('fallback.xlsx');
    expect(filenameFromDisposition("attachment; filename*=utf-8''%E6%ZZ", 'fallback.xlsx')).toBe('fallback.xlsx');
  });
});

describe('downloadFile', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('file-token', 3600);
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends the Bearer token and saves the file under the server\'s name', async () => {
    const fetch = vi.fn(async () =>
      new Response('户号\n', { status: 200, headers: { 'Content-Disposition': "attachment; filename*=utf-8''%E6%A8%A1%E6%9D%BF.csv" } }),
    );
    vi.stubGlobal('fetch', fetch);
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    expect(await downloadFile('/files/houses/template.csv', 'fallback.csv')).toBe('模板.csv');
    expect(clicked).toEqual(['模板.csv']);
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/files/houses/template.csv');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer file-token');
    click.mockRestore();
  });

  it('turns the server\'s JSON refusal into an ApiError with its code and message', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'PERMISSION_DENIED', message: '没有权限执行此操作。' } }), { status: 403 })));
    const err = await downloadFile('/files/houses/export.xlsx', 'x.xlsx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', message: '没有权限执行此操作。', status: 403 });
  });
});
