// Branding rules the console checks as the admin types, the same the API applies (tenants/branding.py):
// #RRGGBB colours with at least 3:1 WCAG contrast against the white text of the mini-program's navigation
// bar and header, logos PNG/JPEG ≤ 512 KB and 64–1024 px square-ish, AppID wx + 16 hex, AppSecret 32 hex.
// The theme shades are the mini-program's own (miniprogram-template/utils/theme.js), so the preview matches.

export const MIN_CONTRAST = 3;
export const MAX_DISPLAY_NAME = 20;
export const MAX_LOGO_BYTES = 512 * 1024;
export const LOGO_MIN_PX = 64;
export const LOGO_MAX_PX = 1024;
export const LOGO_MAX_ASPECT = 1.25;
/** The template's colour when a company has not chosen one (app.wxss). */
export const DEFAULT_THEME = '#E8590C';

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
export const APP_ID_RE = /^wx[0-9a-f]{16}$/;
export const APP_SECRET_RE = /^[0-9a-fA-F]{32}$/;

export function isHexColor(value: string): boolean {
  return COLOR_RE.test(value.trim());
}

function channels(hex: string): [number, number, number] {
  const n = parseInt(hex.trim().slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG 2.x relative luminance of "#RRGGBB". */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio of white text on this colour (1 … 21); null for anything but #RRGGBB. */
export function contrastWithWhite(hex: string): number | null {
  if (!isHexColor(hex)) return null;
  return 1.05 / (relativeLuminance(hex) + 0.05);
}

/** Mix towards black (percent < 0) or white (percent > 0), as the mini-program does. */
export function shade(hex: string, percent: number): string {
  const target = percent < 0 ? 0 : 255;
  const p = Math.abs(percent);
  const mixed = channels(hex).map((c) => Math.round(c + ((target - c) * p) / 100));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

/** The CSS variables the mini-program sets on each page's root view. */
export function themeVariables(hex: string): Record<string, string> {
  const [r, g, b] = channels(hex);
  return {
    '--theme': hex.toUpperCase(),
    '--theme-dark': shade(hex, -18),
    '--theme-light': shade(hex, 88),
    '--theme-soft': `rgba(${r},${g},${b},0.12)`,
  };
}

export interface LogoCheck {
  ok: boolean;
  /** What is wrong, as [zh, en]; empty when ok. */
  problem?: [string, string];
}

/** The logo rules the API applies, checked on the chosen file before it is sent. */
export function checkLogo(file: { type: string; size: number }, width: number, height: number): LogoCheck {
  if (!['image/png', 'image/jpeg'].includes(file.type)) return { ok: false, problem: ['标志须为 PNG 或 JPEG 图片', 'The logo must be a PNG or JPEG image'] };
  if (file.size > MAX_LOGO_BYTES) return { ok: false, problem: ['标志不能超过 512 KB', 'The logo may be at most 512 KB'] };
  if (Math.min(width, height) < LOGO_MIN_PX || Math.max(width, height) > LOGO_MAX_PX) {
    return { ok: false, problem: [`标志边长须在 ${LOGO_MIN_PX}–${LOGO_MAX_PX} 像素之间（当前 ${width}×${height}）`, `Each side must be ${LOGO_MIN_PX}–${LOGO_MAX_PX} px (this one is ${width}×${height})`] };
  }
  if (Math.max(width, height) > LOGO_MAX_ASPECT * Math.min(width, height)) {
    return { ok: false, problem: [`标志应接近正方形（当前 ${width}×${height}）`, `The logo should be about square (this one is ${width}×${height})`] };
  }
  return { ok: true };
}

/** Service-phone forms the API accepts: mobiles, landlines, 400/800 numbers, 95xxx/96xxx/123xx lines. */
export function validServicePhone(value: string): boolean {
  const raw = value.replace(/[\s()]/g, '');
  return (
    /^([48]00)-?(\d{3})-?(\d{4})$/.test(raw) ||
    /^(9[56]\d{3,4}|123\d{2})$/.test(raw) ||
    /^1[3-9]\d{9}$/.test(raw.replace(/^\+86/, '')) ||
    /^0\d{2,3}-?\d{7,8}$/.test(raw.replace(/^\+86/, ''))
  );
}

export interface BrandingValues {
  displayName: string;
  themeColor: string;
  servicePhone: string;
  appId: string;
  appSecret?: string;
}

/** Only what changed (secrets only when typed; a new logo only when chosen): the BrandingInput to send. */
export function brandingChanges(
  saved: { displayName: string; themeColor: string; servicePhone: string; appId: string },
  values: BrandingValues,
  logoBase64: string | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['displayName', 'servicePhone', 'appId'] as const) {
    const v = (values[key] ?? '').trim();
    if (v !== saved[key]) out[key] = v;
  }
  const color = (values.themeColor ?? '').trim().toUpperCase();
  if (color !== saved.themeColor.toUpperCase()) out.themeColor = color;
  const secret = (values.appSecret ?? '').trim();
  if (secret) out.appSecret = secret;
  if (logoBase64) out.logoBase64 = logoBase64;
  return out;
}
