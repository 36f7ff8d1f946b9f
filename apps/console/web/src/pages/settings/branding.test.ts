import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brandingChanges, checkLogo, contrastWithWhite, shade, themeVariables, validServicePhone } from './branding';

// The mini-program's own theme code: the preview must colour exactly as the app does.
const template = createRequire(import.meta.url)(resolve(__dirname, '../../../../../../miniprogram-template/utils/theme.js')) as {
  shade: (hex: string, p: number) => string;
  styleFor: (hex: string) => string;
};

describe('contrastWithWhite', () => {
  it('agrees with the API (tenants/branding.py contrast_with_white)', () => {
    // Ratios printed by the Python implementation.
    const server: Record<string, number> = { '#E8590C': 3.5803, '#D9480F': 4.2996, '#FFFFFF': 1, '#000000': 21, '#1677FF': 4.1041, '#FA8C16': 2.3789, '#767676': 4.5422, '#959595': 2.9953 };
    for (const [hex, ratio] of Object.entries(server)) expect(contrastWithWhite(hex)!, hex).toBeCloseTo(ratio, 3);
    expect(contrastWithWhite('#e8590c')).toBeCloseTo(3.5803, 3);
  });
  it('is null for anything but #RRGGBB', () => {
    for (const bad of ['', '#FFF', 'E8590C', '#GG0000', '#E8590C0', 'red']) expect(contrastWithWhite(bad), bad).toBeNull();
  });
});

describe('theme shades', () => {
  it('match the mini-program template', () => {
    for (const hex of ['#E8590C', '#1677FF', '#2B8A3E', '#000000', '#7A1FA2']) {
      for (const p of [-18, 88, 50]) expect(shade(hex, p)).toBe(template.shade(hex, p));
      const css = Object.entries(themeVariables(hex)).map(([k, v]) => `${k}:${v}`).join(';');
      expect(css).toBe(template.styleFor(hex));
    }
  });
});

describe('checkLogo', () => {
  const png = { type: 'image/png', size: 40_000 };
  it('accepts a square-ish PNG or JPEG within the limits', () => {
    expect(checkLogo(png, 256, 256).ok).toBe(true);
    expect(checkLogo({ type: 'image/jpeg', size: 512 * 1024 }, 64, 80).ok).toBe(true);
  });
  it('refuses what the API refuses', () => {
    expect(checkLogo({ type: 'image/gif', size: 10 }, 100, 100).ok).toBe(false);
    expect(checkLogo({ type: 'image/png', size: 512 * 1024 + 1 }, 100, 100).ok).toBe(false);
    expect(checkLogo(png, 63, 63).ok).toBe(false);
    expect(checkLogo(png, 1025, 1025).ok).toBe(false);
    expect(checkLogo(png, 100, 126).ok).toBe(false);
    expect(checkLogo(png, 100, 125).ok).toBe(true);
  });
});

describe('validServicePhone', () => {
  it('accepts mobiles, landlines, 400/800 and service numbers', () => {
    for (const ok of ['13800138000', '+8613800138000', '010-12345678', '0571 8888 8888', '400-123-4567', '8001234567', '95598', '96069', '12345'])
      expect(validServicePhone(ok), ok).toBe(true);
    for (const bad of ['12345678', '23800138000', '400-12-34567', '9559', 'abc', '']) expect(validServicePhone(bad), bad).toBe(false);
  });
});

describe('brandingChanges', () => {
  const saved = { displayName: '幸福供热', themeColor: '#D9480F', servicePhone: '95598', appId: 'wx0123456789abcdef' };
  it('sends nothing when nothing changed (colour case and blanks around values ignored)', () => {
    expect(brandingChanges(saved, { ...saved, themeColor: '#d9480f', displayName: ' 幸福供热 ', appSecret: '' }, null)).toEqual({});
  });
  it('sends only what changed, the secret only when typed, the logo only when chosen', () => {
    expect(brandingChanges(saved, { ...saved, themeColor: '#1677ff', appSecret: ' 0123456789abcdef0123456789abcdef ' }, 'data:image/png;base64,AAA')).toEqual({
      themeColor: '#1677FF',
      appSecret: '0123456789abcdef0123456789abcdef',
      logoBase64: 'data:image/png;base64,AAA',
    });
  });
});
