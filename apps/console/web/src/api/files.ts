// The REST file endpoints (/files/…: import uploads, templates, exports, receipts) take the same Bearer token
// as the GraphQL API and answer errors as {"error": {"code", "message"}}. A plain <a href> cannot send the
// token, so downloads are fetched here and handed to the browser as a blob with the server's file name.
import { session } from '../auth/session';
import { ApiError } from './client';

function headers(): Record<string, string> {
  const out: Record<string, string> = { 'Accept-Language': document.documentElement.lang === 'en' ? 'en' : 'zh-CN' };
  const token = session.token();
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

/** The server's JSON error, or a generic one when the body is not ours (a proxy's HTML page). */
function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return new ApiError(body.error.code, body.error.message ?? body.error.code, status);
  } catch {
    /* not JSON */
  }
  return new ApiError('HTTP_' + status, `服务器错误 (HTTP ${status})`, status);
}

/** `attachment; filename="x.csv"; filename*=utf-8''%E6%88%BF.csv` → "房.csv" (the RFC 5987 form wins). */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:utf-8|UTF-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* a malformed escape: fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(header);
  return (plain?.[1] ?? plain?.[2]?.trim()) || fallback;
}

/** GET a file with the token and save it under the name the server gives. Returns that name. */
export async function downloadFile(path: string, fallbackName: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { headers: headers() });
  } catch {
    throw new ApiError('NETWORK', '网络连接失败，请检查网络后重试。', 0);
  }
  if (!response.ok) throw errorFrom(response.status, await response.text());
  const blob = await response.blob();
  const name = filenameFromDisposition(response.headers.get('Content-Disposition'), fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the blob after click() returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/**
 * POST one file as multipart field `file`; resolves with the JSON answer. XMLHttpRequest rather than fetch:
 * only it reports upload progress (ledgers run to 50 MB).
 */
export function uploadFile<T>(
  path: string,
  file: Blob,
  fileName: string,
  onProgress?: (percent: number) => void,
  fields: Record<string, string> = {}, // more multipart fields (a photo's `purpose`)
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', '网络连接失败，请检查网络后重试。', 0));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as T);
        } catch {
          reject(errorFrom(xhr.status, xhr.responseText));
        }
      } else reject(errorFrom(xhr.status, xhr.responseText));
    };
    const form = new FormData();
    form.append('file', file, fileName);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    xhr.send(form);
  });
}

/**
 * Show a file (a PDF receipt) in a new tab, fetched with the token. Call it from the click itself: the tab is
 * opened at once (popup blockers allow that) and given the file when it arrives; closed again on an error.
 */
export async function openFile(path: string): Promise<void> {
  const tab = window.open('', '_blank');
  try {
    let response: Response;
    try {
      response = await fetch(path, { headers: headers() });
    } catch {
      throw new ApiError('NETWORK', '网络连接失败，请检查网络后重试。', 0);
    }
    if (!response.ok) throw errorFrom(response.status, await response.text());
    const url = URL.createObjectURL(await response.blob());
    if (!tab) throw new ApiError('POPUP_BLOCKED', '浏览器阻止了新窗口：请允许本站弹出窗口，或下载后打印。', 0);
    tab.location.href = url;
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    tab?.close();
    throw err;
  }
}
