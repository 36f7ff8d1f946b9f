// Pure helpers of the rich-text editor (RichTextEditor.tsx). The server sanitizes every body it stores
// (apps/messaging/richtext.py keeps a small set of tags); these only keep the editor honest before sending.

export const IMAGE_PATH = '/files/messaging/images/';
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export interface UploadedImage {
  id: string;
  url: string;
}

/** The href for a typed link: http(s) only (a bare host gets https://); javascript:, data:, mailto: … are refused. */
export function linkHref(text: string): string | null {
  const value = text.trim();
  if (!value) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : `https://${value}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** True when the body has neither text nor a picture (an editor left with `<p><br></p>`). */
export function isBlankHtml(html: string | null | undefined): boolean {
  if (!html) return true;
  if (/<img\b/i.test(html)) return false;
  return html.replace(/<[^>]*>/g, '').replace(/&nbsp;|\u00a0/g, ' ').trim() === '';
}

/** The body's plain text (for a list's summary column); entities kept simple. */
export function plainText(html: string): string {
  return html
    .replace(/<(br|\/p|\/h\d|\/li)\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
