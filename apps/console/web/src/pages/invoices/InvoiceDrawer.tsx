// @access invoices
// One invoice: buyer, totals, number and date, each line with how its tax was computed, the red invoices and
// red-letter confirmations against it, the PDF/OFD (fetched with the token), and — for finance and admins —
// retry (FAILED) and 红冲 (ISSUED). Polled while the provider is still working on it.
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Drawer, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { downloadFile, openFile } from '../../api/files';
import type { InvoiceDetailQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { InvoiceDetailDoc } from './documents';
import {
  BUYER_KIND,
  formatTaxRate,
  INVOICE_KIND,
  INVOICE_KIND_COLOR,
  INVOICE_STATUS,
  INVOICE_STATUS_COLOR,
  RED_REASON,
  RED_STATUS,
  RED_STATUS_COLOR,
} from './labels';
import { lineLeftFen } from './red';

export type InvoiceDetail = NonNullable<InvoiceDetailQuery['invoice']>;
type Line = InvoiceDetail['lines'][number];
type Red = InvoiceDetail['reds'][number];
type Confirmation = NonNullable<InvoiceDetail['redConfirmations']>[number];

const when = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm:ss') : '—');
const WORKING = new Set(['REQUESTED', 'ISSUING', 'RED_REQUESTED']);

interface Props {
  id: string | null;
  onClose: () => void;
  /** Finance and admins only (null hides the buttons). */
  onRetry: ((invoice: InvoiceDetail) => Promise<void>) | null;
  onReverse: ((invoice: InvoiceDetail) => void) | null;
}

function FileButtons({ pdfUrl, ofdUrl, name, testId }: { pdfUrl: string | null | undefined; ofdUrl: string | null | undefined; name: string; testId: string }) {
  const t = useT();
  const { message } = App.useApp();
  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };
  if (!pdfUrl && !ofdUrl) return <Typography.Text type="secondary">{t('暂无文件', 'No file yet')}</Typography.Text>;
  return (
    <Space size={4}>
      {pdfUrl && (
        <Button size="small" onClick={() => run(() => openFile(pdfUrl))} data-testid={`${testId}-pdf`}>
          {t('查看 PDF', 'Open PDF')}
        </Button>
      )}
      {pdfUrl && (
        <Button size="small" onClick={() => run(() => downloadFile(pdfUrl, `${name}.pdf`))} data-testid={`${testId}-pdf-download`}>
          {t('下载 PDF', 'Download PDF')}
        </Button>
      )}
      {ofdUrl && (
        <Button size="small" onClick={() => run(() => downloadFile(ofdUrl, `${name}.ofd`))} data-testid={`${testId}-ofd`}>
          {t('下载 OFD', 'Download OFD')}
        </Button>
      )}
    </Space>
  );
}

export function InvoiceDrawer({ id, onClose, onRetry, onReverse }: Props) {
  const t = useT();
  const [retrying, setRetrying] = useState(false);
  const query = useQuery({
    queryKey: ['InvoiceDetail', id],
    enabled: id !== null,
    queryFn: async () => (await request(InvoiceDetailDoc, { id: id as string })).invoice,
    // The provider answers asynchronously: look again while it is still at work on this invoice or its reds.
    refetchInterval: (q) => {
      const inv = q.state.data;
      return inv && (WORKING.has(inv.status) || inv.reds.some((r) => WORKING.has(r.status))) ? 3000 : false;
    },
  });
  const invoice = query.data;
  const fileName = (inv: { invoiceNumber?: string | null; outTradeNo?: string | null; id: string }) => inv.invoiceNumber || `invoice-${inv.id}`;

  const lines: ColumnsType<Line> = [
    { title: t('行', 'Line'), dataIndex: 'index', width: 56 },
    { title: t('项目', 'Item'), dataIndex: 'goodsName' },
    { title: t('税率', 'Rate'), dataIndex: 'taxRate', render: (r: string) => formatTaxRate(r) },
    { title: t('不含税', 'Excl. tax'), dataIndex: 'exclFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('税额', 'Tax'), dataIndex: 'taxFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('价税合计', 'Total'), dataIndex: 'inclFen', align: 'right', render: (f: number) => formatFen(f) },
    {
      title: t('已红冲', 'Reversed'),
      dataIndex: 'reversedFen',
      align: 'right',
      render: (f: number, l) => <span data-testid={`invoice-line-reversed-${l.index}`}>{f ? formatFen(f) : '—'}</span>,
    },
    { title: t('计税说明', 'How the tax was computed'), dataIndex: 'explanation', render: (e: string) => <Typography.Text type="secondary">{e || '—'}</Typography.Text> },
  ];
  const reds: ColumnsType<Red> = [
    { title: t('红字发票号码', 'Red invoice number'), dataIndex: 'invoiceNumber', render: (n: string | null) => n || '—' },
    { title: t('金额', 'Amount'), dataIndex: 'totalFen', align: 'right', render: (f: number) => formatFen(f) },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (s: Red['status'], r) => (
        <Tag color={INVOICE_STATUS_COLOR[s]} data-testid={`invoice-red-status-${r.id}`} data-status={s}>
          {t(...INVOICE_STATUS[s])}
        </Tag>
      ),
    },
    {
      title: t('红冲明细', 'Lines reversed'),
      render: (_, r) => (
        <Space direction="vertical" size={0} data-testid={`invoice-red-lines-${r.id}`}>
          {r.lines.map((l) => (
            <span key={l.index}>
              {l.goodsName} {formatFen(l.inclFen)}
            </span>
          ))}
          {r.failReason && <Typography.Text type="danger">{r.failReason}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('开票日期', 'Issued'), dataIndex: 'issuedAt', render: when },
    { title: t('文件', 'Files'), render: (_, r) => <FileButtons pdfUrl={r.pdfUrl} ofdUrl={r.ofdUrl} name={fileName(r)} testId={`invoice-red-${r.id}`} /> },
  ];
  const confirmations: ColumnsType<Confirmation> = [
    { title: t('确认单编号', 'Confirmation no.'), dataIndex: 'confirmationNo', render: (n: string | null) => n || '—' },
    { title: t('原因', 'Reason'), dataIndex: 'reason', render: (r: Confirmation['reason']) => t(...RED_REASON[r]) },
    { title: t('范围', 'Scope'), dataIndex: 'full', render: (full: boolean) => (full ? t('全额', 'All') : t('部分', 'Lines')) },
    { title: t('金额', 'Amount'), dataIndex: 'totalFen', align: 'right', render: (f: number) => formatFen(f) },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (s: Confirmation['status'], c) => (
        <Space direction="vertical" size={0}>
          <Tag color={RED_STATUS_COLOR[s]} data-testid={`invoice-confirmation-status-${c.id}`}>
            {t(...RED_STATUS[s])}
          </Tag>
          {c.failReason && <Typography.Text type="danger">{c.failReason}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('申请时间', 'Requested'), dataIndex: 'createdAt', render: when },
  ];

  const reversible = invoice?.kind === 'BLUE' && invoice.status === 'ISSUED' && invoice.lines.some((l) => lineLeftFen(l) > 0);

  return (
    <Drawer open={id !== null} onClose={onClose} width={1000} title={t('发票详情', 'Invoice')} destroyOnHidden data-testid="invoice-drawer">
      {query.isLoading && <Skeleton active />}
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {query.isSuccess && !invoice && <Alert type="warning" showIcon message={t('找不到该发票', 'No such invoice')} />}
      {invoice && (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          {invoice.status === 'FAILED' && invoice.failReason && (
            <Alert
              type="error"
              showIcon
              message={t('开票失败', 'Issuing failed')}
              description={
                <Space direction="vertical" size={0}>
                  <span data-testid="invoice-fail-reason">{invoice.failReason}</span>
                  {invoice.nextAttemptAt && (
                    <Typography.Text type="secondary">
                      {t(`将于 ${when(invoice.nextAttemptAt)} 自动重试`, `Retried by itself at ${when(invoice.nextAttemptAt)}`)}
                    </Typography.Text>
                  )}
                </Space>
              }
            />
          )}
          <Space wrap>
            {onRetry && invoice.status === 'FAILED' && (
              <Button
                type="primary"
                loading={retrying}
                data-testid="invoice-retry"
                onClick={async () => {
                  setRetrying(true);
                  try {
                    await onRetry(invoice);
                    await query.refetch();
                  } finally {
                    setRetrying(false);
                  }
                }}
              >
                {t('重新开票', 'Retry')}
              </Button>
            )}
            {onReverse && reversible && (
              <Button danger onClick={() => onReverse(invoice)} data-testid="invoice-reverse">
                {t('红冲', 'Reverse')}
              </Button>
            )}
            {(invoice.status === 'ISSUED' || invoice.status === 'REVERSED' || invoice.status === 'RED_REQUESTED') && (
              <FileButtons pdfUrl={invoice.pdfUrl} ofdUrl={invoice.ofdUrl} name={fileName(invoice)} testId="invoice-file" />
            )}
          </Space>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('种类', 'Kind')}>
              <Tag color={INVOICE_KIND_COLOR[invoice.kind]}>{t(...INVOICE_KIND[invoice.kind])}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('状态', 'Status')}>
              <Tag color={INVOICE_STATUS_COLOR[invoice.status]} data-testid="invoice-status" data-status={invoice.status}>
                {t(...INVOICE_STATUS[invoice.status])}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('发票号码', 'Invoice number')}>
              {invoice.invoiceNumber ? <Typography.Text copyable data-testid="invoice-number">{invoice.invoiceNumber}</Typography.Text> : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('开票日期', 'Issued')}>{when(invoice.issuedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('购方', 'Buyer')}>
              {invoice.buyerName} <Typography.Text type="secondary">（{t(...BUYER_KIND[invoice.buyerKind])}）</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('购方税号', 'Buyer tax no.')}>{invoice.buyerTaxNo || '—'}</Descriptions.Item>
            <Descriptions.Item label={t('商户订单号', 'Order no.')}>{invoice.outTradeNo ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('申请时间', 'Requested')}>
              {when(invoice.createdAt)}
              {invoice.requestedBy && <Typography.Text type="secondary">（{invoice.requestedBy}）</Typography.Text>}
            </Descriptions.Item>
            <Descriptions.Item label={t('提交次数', 'Submissions')}>{invoice.attempts ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('票种', 'Type')}>{invoice.invoiceLine === 'bs' ? t('数电专票', 'Digital special VAT invoice') : t('数电普票', 'Digital ordinary invoice')}</Descriptions.Item>
            <Descriptions.Item label={t('不含税金额', 'Excl. tax')}>{formatFen(invoice.exclFen)}</Descriptions.Item>
            <Descriptions.Item label={t('税额', 'Tax')}>{formatFen(invoice.taxFen)}</Descriptions.Item>
            <Descriptions.Item label={t('价税合计', 'Total')} span={2}>
              <Typography.Text strong data-testid="invoice-total">
                {formatFen(invoice.totalFen)}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <div>
            <Typography.Title level={5}>{t('发票明细', 'Lines')}</Typography.Title>
            <Table<Line> rowKey="index" size="small" columns={lines} dataSource={invoice.lines} pagination={false} data-testid="invoice-lines" />
          </div>
          {invoice.kind === 'BLUE' && (invoice.reds.length > 0 || (invoice.redConfirmations ?? []).length > 0) && (
            <>
              <div>
                <Typography.Title level={5}>{t('红字确认单', 'Red-letter confirmations')}</Typography.Title>
                <Table<Confirmation> rowKey="id" size="small" columns={confirmations} dataSource={invoice.redConfirmations ?? []} pagination={false} data-testid="invoice-confirmations" />
              </div>
              <div>
                <Typography.Title level={5}>{t('红字发票', 'Red invoices')}</Typography.Title>
                <Table<Red> rowKey="id" size="small" columns={reds} dataSource={invoice.reds} pagination={false} data-testid="invoice-reds" />
              </div>
            </>
          )}
        </Space>
      )}
    </Drawer>
  );
}
