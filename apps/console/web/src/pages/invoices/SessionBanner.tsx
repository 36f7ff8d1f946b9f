// The provider's tax-bureau session at the top of the invoices page: whether issuing works, and when it does not
// (电子税务局 login lapsed, face verification due), exactly what to do — with the face-verification QR code and a
// "refresh status" that asks the provider now. The credit line (授信额度) sits beside it.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, QRCode, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { InvoicesPageSessionQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { InvoicesSessionDoc } from './documents';
import { InvoiceFaceQrDoc, InvoiceSessionRefreshDoc } from './manageDocuments';
import { REFRESH_LATER, sessionCallToAction } from './session';

export type InvoiceSession = NonNullable<InvoicesPageSessionQuery['invoiceSession']>;

const when = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : null);
const SESSION_KEY = ['InvoicesPageSession'];

/** Credit below a tenth of the line, or none left, is worth a warning: issuing stops at zero. */
function lowCredit(s: InvoiceSession): boolean {
  if (s.creditRemainingFen === null || s.creditRemainingFen === undefined) return false;
  if (s.creditRemainingFen <= 0) return true;
  return s.creditTotalFen !== null && s.creditTotalFen !== undefined && s.creditRemainingFen * 10 < s.creditTotalFen;
}

/** An image the provider drew (a data: URL or an image file), shown as it is. */
export function isImageUrl(url: string): boolean {
  return /^data:image\//i.test(url) || /\.(png|jpe?g|gif|svg)(\?|$)/i.test(url);
}

/**
 * The face-verification code. Nuonuo's getQrCode answers the URL the drawer's phone must open (qrCodeUrl), so it
 * is drawn here as a QR code (in the browser: the URL goes nowhere else); a provider that hands out a picture of
 * the code gets it shown as it is.
 */
function FaceQr({ url }: { url: string }) {
  const t = useT();
  return (
    <Space direction="vertical" size={4}>
      {isImageUrl(url) ? (
        <img src={url} width={180} height={180} alt={t('人脸认证二维码', 'Face-verification QR code')} data-testid="invoice-face-qr" data-url={url} />
      ) : (
        <div data-testid="invoice-face-qr" data-url={url}>
          <QRCode value={url} type="svg" size={180} bordered={false} />
        </div>
      )}
      <Typography.Text type="secondary">
        {t('二维码 5 分钟内有效；过期请重新获取（每分钟最多一次）。', 'The code lasts 5 minutes; get a new one when it expires (at most once a minute).')}
      </Typography.Text>
      {!isImageUrl(url) && (
        <Typography.Text type="secondary" copyable={{ text: url }}>
          {t('复制认证链接（发给开票人在手机上打开）', 'Copy the link (for the drawer to open on their phone)')}
        </Typography.Text>
      )}
    </Space>
  );
}

export function SessionBanner({ canAct }: { canAct: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [busy, setBusy] = useState<'refresh' | 'faceQr' | null>(null);
  const query = useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => (await request(InvoicesSessionDoc)).invoiceSession,
  });
  const session = query.data;

  const act = async (which: 'refresh' | 'faceQr') => {
    setBusy(which);
    try {
      const res =
        which === 'refresh' ? (await request(InvoiceSessionRefreshDoc)).refreshInvoiceSession : (await request(InvoiceFaceQrDoc)).invoiceFaceQr;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      if (res?.session) client.setQueryData(SESSION_KEY, res.session);
      else await query.refetch();
      // Invoices paused by the session move again once it is back: show their states afresh.
      if (which === 'refresh') void client.invalidateQueries({ queryKey: ['InvoicesPageList'] });
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  if (query.error) return <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />;
  if (query.isLoading) return null;
  const cta = sessionCallToAction(session?.state, canAct);
  const checked = when(session?.checkedAt);
  const creditChecked = when(session?.creditCheckedAt);

  return (
    <Alert
      type={cta.type}
      showIcon
      data-testid="invoice-session"
      data-state={session?.state ?? 'NONE'}
      message={
        <Space wrap>
          <Typography.Text strong data-testid="invoice-session-title">
            {t(...cta.title)}
          </Typography.Text>
          {checked && <Typography.Text type="secondary">{t(`检查于 ${checked}`, `checked ${checked}`)}</Typography.Text>}
        </Space>
      }
      description={
        <Space direction="vertical" style={{ width: '100%' }}>
          {session?.message && session.state !== 'OK' && (
            <Typography.Text type="secondary" data-testid="invoice-session-message">
              {t('服务商说明：', 'The provider says: ')}
              {session.message}
            </Typography.Text>
          )}
          {canAct && session?.action ? (
            <Space direction="vertical" size={0}>
              <Typography.Text data-testid="invoice-session-action">{session.action}</Typography.Text>
              {(session.state === 'LOGIN_REQUIRED' || session.state === 'FACE_REQUIRED') && <Typography.Text>{t(...REFRESH_LATER)}</Typography.Text>}
            </Space>
          ) : (
            cta.steps.length > 0 && (
            <ol style={{ margin: 0, paddingInlineStart: 20 }} data-testid="invoice-session-steps">
              {cta.steps.map((s) => (
                <li key={s[0]}>{t(...s)}</li>
              ))}
            </ol>
            )
          )}
          {cta.ask && <Typography.Text data-testid="invoice-session-ask">{t(...cta.ask)}</Typography.Text>}
          {session?.state === 'FACE_REQUIRED' && session.faceQrUrl && <FaceQr url={session.faceQrUrl} />}
          {cta.buttons.length > 0 && (
            <Space>
              {cta.buttons.includes('faceQr') && (
                <Button type="primary" loading={busy === 'faceQr'} disabled={busy !== null} onClick={() => act('faceQr')} data-testid="invoice-face-qr-get">
                  {session?.faceQrUrl ? t('重新获取二维码', 'Get a new QR code') : t('获取人脸认证二维码', 'Get the face-verification QR code')}
                </Button>
              )}
              {cta.buttons.includes('refresh') && (
                <Button loading={busy === 'refresh'} disabled={busy !== null} onClick={() => act('refresh')} data-testid="invoice-session-refresh">
                  {t('刷新状态', 'Refresh status')}
                </Button>
              )}
            </Space>
          )}
          <Descriptions size="small" column={3} data-testid="invoice-credit" style={{ marginTop: 4 }}>
            <Descriptions.Item label={t('授信额度总额', 'Credit line')}>
              <span data-testid="invoice-credit-total">{formatFen(session?.creditTotalFen)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('剩余额度', 'Remaining')}>
              <Typography.Text type={session && lowCredit(session) ? 'danger' : undefined} data-testid="invoice-credit-remaining">
                {formatFen(session?.creditRemainingFen)}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('额度查询于', 'Credit checked')}>{creditChecked ?? '—'}</Descriptions.Item>
          </Descriptions>
          {session && lowCredit(session) && (
            <Typography.Text type="danger" data-testid="invoice-credit-low">
              {t('授信额度即将用完：用完后无法开票，请在电子税务局申请调整授信额度。', 'The credit line is nearly used up: issuing stops at zero; ask the tax bureau for more.')}
            </Typography.Text>
          )}
        </Space>
      }
      style={{ marginBottom: 16 }}
    />
  );
}
