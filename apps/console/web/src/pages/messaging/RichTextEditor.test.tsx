import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../test/render';
import { RichTextEditor } from './RichTextEditor';
import { isBlankHtml, linkHref, plainText } from './richtext';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: FormData;
}

/** XMLHttpRequest as uploadFile uses it, answering every upload with `status` and `body`. */
function fakeUpload(status: number, body: unknown): Sent[] {
  const sent: Sent[] = [];
  class FakeXHR {
    upload: { onprogress?: unknown } = {};
    status = 0;
    responseText = '';
    onload?: () => void;
    onerror?: () => void;
    private req = { method: '', url: '', headers: {} as Record<string, string> };
    open(method: string, url: string) {
      this.req.method = method;
      this.req.url = url;
    }
    setRequestHeader(k: string, v: string) {
      this.req.headers[k] = v;
    }
    send(form: FormData) {
      sent.push({ ...this.req, body: form });
      this.status = status;
      this.responseText = JSON.stringify(body);
      setTimeout(() => this.onload?.(), 0);
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXHR);
  return sent;
}

describe('rich-text helpers', () => {
  it('accepts http(s) links only', () => {
    expect(linkHref('example.com/a')).toBe('https://example.com/a');
    expect(linkHref('http://x.cn')).toBe('http://x.cn/');
    expect(linkHref('javascript:alert(1)')).toBeNull();
    expect(linkHref('data:text/html,hi')).toBeNull();
    expect(linkHref('  ')).toBeNull();
  });
  it('tells an empty body from one with text or a picture', () => {
    expect(isBlankHtml('<p><br></p>')).toBe(true);
    expect(isBlankHtml('<p>&nbsp;</p>')).toBe(true);
    expect(isBlankHtml('<p><img src="/x.png"></p>')).toBe(false);
    expect(isBlankHtml('<h3>停热</h3>')).toBe(false);
    expect(plainText('<h3>停热</h3><p>明天&nbsp;9 点</p>')).toBe('停热 明天 9 点');
  });
});

describe('RichTextEditor', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('uploads a picture with the staff token and puts it in the text', async () => {
    const sent = fakeUpload(201, { id: '5', url: 'http://demo.localhost/files/messaging/images/ab12.png' });
    const change = vi.fn();
    renderWithProviders(<RichTextEditor value="<p>通知</p>" onChange={change} testId="ed" />, { api: staffApi('TENANT_ADMIN') });
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'map.png', { type: 'image/png' });
    fireEvent.change(await screen.findByTestId('ed-file'), { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('ed-area').querySelector('img')?.getAttribute('src')).toBe('http://demo.localhost/files/messaging/images/ab12.png'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/files/messaging/images/' });
    expect(sent[0].headers.Authorization).toBe('Bearer staff-token');
    expect((sent[0].body.get('file') as File).name).toBe('map.png');
    expect(change).toHaveBeenLastCalledWith(expect.stringContaining('<img src="http://demo.localhost/files/messaging/images/ab12.png"'));
  });

  it('refuses a file that is not a picture without uploading it, and shows the server’s refusal', async () => {
    const sent = fakeUpload(400, { error: { code: 'IMAGE_BAD_TYPE', message: '只能上传 JPEG、PNG 或 WebP 图片。' } });
    renderWithProviders(<RichTextEditor value="" testId="ed" />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.change(await screen.findByTestId('ed-file'), { target: { files: [new File(['x'], 'a.pdf', { type: 'application/pdf' })] } });
    expect(await screen.findByText('只能插入 JPEG、PNG 或 WebP 图片')).toBeTruthy();
    expect(sent).toHaveLength(0);
    fireEvent.change(screen.getByTestId('ed-file'), { target: { files: [new File(['x'], 'b.png', { type: 'image/png' })] } });
    expect(await screen.findByText('只能上传 JPEG、PNG 或 WebP 图片。')).toBeTruthy();
    expect(screen.getByTestId('ed-area').querySelector('img')).toBeNull();
  });

  it('inserts a link only for an http(s) address', async () => {
    const change = vi.fn();
    renderWithProviders(<RichTextEditor value="" onChange={change} testId="ed" />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('ed-link'));
    fireEvent.change(await screen.findByTestId('ed-link-url'), { target: { value: 'javascript:alert(1)' } });
    fireEvent.click(screen.getByTestId('ed-link-ok'));
    expect(await screen.findByText('请输入 http(s) 网址')).toBeTruthy();
    expect(screen.getByTestId('ed-area').querySelector('a')).toBeNull();
    fireEvent.change(screen.getByTestId('ed-link-url'), { target: { value: 'www.example.com/pay' } });
    fireEvent.click(screen.getByTestId('ed-link-ok'));
    await waitFor(() => expect(screen.getByTestId('ed-area').querySelector('a')?.getAttribute('href')).toBe('https://www.example.com/pay'));
    expect(change).toHaveBeenLastCalledWith(expect.stringContaining('href="https://www.example.com/pay"'));
  });
});
