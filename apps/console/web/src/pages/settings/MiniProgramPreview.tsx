// A live preview of the resident mini-program's home screen (miniprogram-template/pages/index) built from the
// branding being edited: navigation bar and header band in the theme colour with white text, the logo (or the
// template's "暖" badge), the company name, the amount due, a house card with 去缴费, and the service phone.
// Sizes are the template's rpx at 0.45 px (a 750 rpx wide screen shown 338 px wide).
import type { CSSProperties } from 'react';
import { DEFAULT_THEME, isHexColor, themeVariables } from './branding';

const px = (rpx: number) => `${Math.round(rpx * 0.45 * 10) / 10}px`;

export interface PreviewProps {
  displayName: string;
  themeColor: string;
  logoUrl: string;
  servicePhone: string;
}

export function MiniProgramPreview({ displayName, themeColor, logoUrl, servicePhone }: PreviewProps) {
  const theme = isHexColor(themeColor) ? themeColor : DEFAULT_THEME;
  const vars = themeVariables(theme) as CSSProperties;
  const name = displayName.trim() || '供热公司';
  return (
    <div
      data-testid="miniprogram-preview"
      data-theme={theme.toUpperCase()}
      style={{
        ...vars,
        width: 338,
        border: '8px solid #1f1f1f',
        borderRadius: 28,
        overflow: 'hidden',
        background: '#FFF8F3',
        color: '#2B2118',
        fontSize: px(28),
        lineHeight: 1.5,
        fontFamily: '-apple-system, "PingFang SC", "Helvetica Neue", "Microsoft YaHei", sans-serif',
      }}
    >
      {/* status bar + navigation bar (wx.setNavigationBarColor: white text on the theme colour) */}
      <div style={{ background: 'var(--theme)', color: '#fff', fontSize: 11, padding: '4px 14px 0', display: 'flex', justifyContent: 'space-between' }}>
        <span>9:41</span>
        <span>●●● 100%</span>
      </div>
      <div style={{ background: 'var(--theme)', color: '#fff', height: 40, display: 'flex', alignItems: 'center', justifyContent: 'center', position: 'relative', fontSize: 15, fontWeight: 600 }}>
        <span data-testid="preview-nav-title">{name}</span>
        <span style={{ position: 'absolute', right: 10, border: '1px solid rgba(255,255,255,.5)', borderRadius: 12, padding: '0 8px', fontSize: 12 }}>··· ◎</span>
      </div>
      <div style={{ padding: `0 ${px(24)} ${px(48)}` }}>
        <div
          style={{
            margin: `0 -${px(24)} ${px(24)}`,
            padding: `${px(40)} ${px(32)} ${px(64)}`,
            background: 'linear-gradient(135deg, var(--theme) 0%, var(--theme-dark) 100%)',
            color: '#fff',
            borderRadius: `0 0 ${px(40)} ${px(40)}`,
          }}
        >
          <div style={{ display: 'flex', alignItems: 'center' }}>
            {logoUrl ? (
              <img src={logoUrl} alt="" data-testid="preview-logo" style={{ width: px(72), height: px(72), borderRadius: px(16), background: 'rgba(255,255,255,.9)', marginRight: px(20), objectFit: 'contain' }} />
            ) : (
              <div style={{ width: px(72), height: px(72), borderRadius: px(16), background: 'rgba(255,255,255,.2)', marginRight: px(20), display: 'flex', alignItems: 'center', justifyContent: 'center', fontSize: px(36), fontWeight: 600 }}>暖</div>
            )}
            <div>
              <div style={{ fontSize: px(34), fontWeight: 600 }} data-testid="preview-name">
                {name}
              </div>
              <div style={{ fontSize: px(24), opacity: 0.85 }}>温暖每个冬天</div>
            </div>
          </div>
          <div style={{ marginTop: px(36) }}>
            <div style={{ fontSize: px(24), opacity: 0.85 }}>当前应缴合计</div>
            <div style={{ fontSize: px(64), fontWeight: 700 }}>¥2,856.00</div>
          </div>
        </div>
        <div style={{ marginTop: `-${px(48)}`, background: '#fff', borderRadius: px(24), padding: px(32), marginBottom: px(24), boxShadow: '0 4px 12px rgba(120,60,20,.06)' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between' }}>
            <div>
              <div style={{ fontWeight: 600 }}>户号 H10086</div>
              <div style={{ color: '#8A8178', fontSize: px(24) }}>幸福里 3号楼 2单元 301</div>
            </div>
            <span style={{ alignSelf: 'flex-start', fontSize: px(22), padding: `1px ${px(14)}`, borderRadius: 999, background: 'var(--theme-soft)', color: 'var(--theme-dark)' }}>正常供热</span>
          </div>
          <div style={{ height: 1, background: '#F1E8E0', margin: `${px(16)} 0` }} />
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <div>
              <div style={{ color: '#8A8178', fontSize: px(24) }}>2025-2026 采暖季 · 当前应缴</div>
              <div style={{ fontSize: px(48), fontWeight: 700, color: 'var(--theme)' }}>¥2,856.00</div>
            </div>
            <span style={{ background: 'var(--theme)', color: '#fff', height: px(60), lineHeight: px(60), padding: `0 ${px(32)}`, borderRadius: px(30), fontSize: px(26), fontWeight: 600 }}>去缴费</span>
          </div>
          <div style={{ marginTop: px(12), color: 'var(--theme-dark)', fontSize: px(24) }}>查看账单 ›</div>
        </div>
        <div style={{ background: 'var(--theme-light)', color: 'var(--theme-dark)', textAlign: 'center', height: px(88), lineHeight: px(88), borderRadius: px(44), fontSize: px(30), fontWeight: 600 }}>+ 绑定其他房屋</div>
        {servicePhone.trim() && (
          <div style={{ textAlign: 'center', color: '#B5ABA1', fontSize: px(22), marginTop: px(40) }} data-testid="preview-phone">
            客服电话 {servicePhone.trim()}
          </div>
        )}
      </div>
      {/* tab bar (wx.setTabBarStyle: the selected item in the theme colour) */}
      <div style={{ display: 'flex', borderTop: '1px solid #eee', background: '#fff', fontSize: 11, textAlign: 'center' }}>
        <div style={{ flex: 1, padding: '6px 0', color: 'var(--theme)', fontWeight: 600 }}>首页</div>
        <div style={{ flex: 1, padding: '6px 0', color: '#8A8178' }}>账单</div>
        <div style={{ flex: 1, padding: '6px 0', color: '#8A8178' }}>我的</div>
      </div>
    </div>
  );
}
