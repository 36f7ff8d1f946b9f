// @access dailyClose
// One day (/daily-close/<YYYY-MM-DD>): its totals by channel — online money from the statement runs beside our
// ledger, counter money by method from the shifts — what blocks its close (with links), the close itself,
// and the adjustments: booked on this day, or correcting it once closed.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Popconfirm, Skeleton, Space, Table, Tag, Tooltip, Typography, type ButtonProps } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import type { DailyCloseOneDayQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_LABELS } from '../dashboard/labels';
import { AdjustmentButton } from './AdjustmentForm';
import { DayBlockers } from './DayBlockers';
import { DailyCloseCloseDoc, DailyCloseDayDoc } from './documents';
import { DAY_STATUS, DAY_STATUS_COLOR, ONLINE } from './labels';

type Day = DailyCloseOneDayQuery['dailyClose'];
type ChannelRow = Day['channels'][number];
type Adjustment = Day['adjustments'][number];

const when = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');

function CloseDayButton({ day, onClosed }: { day: Day; onClosed: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  if (day.status === 'CLOSED') return null;
  const close = async () => {
    setBusy(true);
    try {
      const res = (await request(DailyCloseCloseDoc, { day: day.day })).closeDay;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(t(`${day.day} 已日结`, `${day.day} is closed`));
        onClosed();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  if (!day.canClose)
    return (
      <Tooltip title={t('先完成下方列出的事项', 'Finish what is listed below first')}>
        <span>
          <Button type="primary" disabled data-testid="day-close">
            {t('日结', 'Close the day')}
          </Button>
        </span>
      </Tooltip>
    );
  return (
    <Popconfirm
      title={t('日结后该日只读，更正只能记为调整。确认日结？', 'A closed day is read-only; corrections become adjustments. Close it?')}
      onConfirm={close}
      okButtonProps={{ 'data-testid': 'day-close-confirm' } as ButtonProps}
    >
      <Button type="primary" loading={busy} data-testid="day-close">
        {t('日结', 'Close the day')}
      </Button>
    </Popconfirm>
  );
}

export function ChannelTable({ channels }: { channels: readonly ChannelRow[] }) {
  const t = useT();
  const money = (f: number) => formatFen(f);
  const columns: ColumnsType<ChannelRow> = [
    {
      title: t('渠道', 'Channel'),
      dataIndex: 'channel',
      render: (c: ChannelRow['channel']) => (
        <Space size={4}>
          {t(...CHANNEL_LABELS[c])}
          <Typography.Text type="secondary">{ONLINE.has(c) ? t('（对账单）', '(bill)') : t('（班次）', '(shifts)')}</Typography.Text>
        </Space>
      ),
    },
    { title: t('收款', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    {
      title: t('本地账收款', 'Ledger collected'),
      dataIndex: 'ledgerCollectedFen',
      align: 'right',
      render: (f: number, r) => <Typography.Text type={f !== r.collectedFen ? 'danger' : undefined}>{money(f)}</Typography.Text>,
    },
    { title: t('笔数 / 本地', 'Count / ledger'), key: 'count', align: 'right', render: (_, r) => `${r.count} / ${r.ledgerCount}` },
    { title: t('退款', 'Refunded'), dataIndex: 'refundedFen', align: 'right', render: money },
    {
      title: t('本地账退款', 'Ledger refunded'),
      dataIndex: 'ledgerRefundedFen',
      align: 'right',
      render: (f: number, r) => <Typography.Text type={f !== r.refundedFen ? 'danger' : undefined}>{money(f)}</Typography.Text>,
    },
    { title: t('手续费', 'Fee'), dataIndex: 'feeFen', align: 'right', render: money },
    { title: t('调整', 'Adjustments'), dataIndex: 'adjustmentsFen', align: 'right', render: money },
    { title: t('净额', 'Net'), dataIndex: 'netFen', align: 'right', render: (f: number) => <Typography.Text strong>{money(f)}</Typography.Text> },
  ];
  return <Table<ChannelRow> rowKey="channel" size="small" pagination={false} columns={columns} dataSource={[...channels]} data-testid="day-channels" scroll={{ x: 'max-content' }} />;
}

function AdjustmentTable({ rows, testId }: { rows: readonly Adjustment[]; testId: string }) {
  const t = useT();
  const columns: ColumnsType<Adjustment> = [
    { title: t('记入日期', 'Booked on'), dataIndex: 'day', render: (d: string) => <Link to={`/daily-close/${d}`}>{d}</Link> },
    { title: t('更正日期', 'Corrects'), dataIndex: 'correctsDay', render: (d: string) => <Link to={`/daily-close/${d}`}>{d}</Link> },
    { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: Adjustment['channel']) => t(...CHANNEL_LABELS[c]) },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('原因', 'Reason'), dataIndex: 'reason' },
    { title: t('操作人', 'By'), dataIndex: 'createdBy' },
    { title: t('时间', 'When'), dataIndex: 'createdAt', render: when },
  ];
  return <Table<Adjustment> rowKey="id" size="small" pagination={false} columns={columns} dataSource={[...rows]} data-testid={testId} />;
}

export default function DayView() {
  const t = useT();
  const { day: dayParam = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const { message } = App.useApp();
  const query = useQuery({
    queryKey: ['DailyCloseOneDay', dayParam],
    queryFn: async () => (await request(DailyCloseDayDoc, { day: dayParam })).dailyClose,
    staleTime: 0,
  });
  const day = query.data;
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['DailyCloseOneDay'] });
    void client.invalidateQueries({ queryKey: ['DailyCloseDays'] });
  };

  if (query.isLoading) return <Skeleton active />;
  if (query.error || !day) return <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="day-view" data-status={day.status}>
      <Card
        title={
          <Space wrap>
            <Link to="/daily-close" data-testid="day-back">
              {t('日结', 'Daily close')}
            </Link>
            <span>/</span>
            <span>{day.day}</span>
            <Tag color={DAY_STATUS_COLOR[day.status]} data-testid="day-status" data-status={day.status}>
              {t(...DAY_STATUS[day.status])}
            </Tag>
          </Space>
        }
        extra={
          <Space>
            <Button onClick={() => navigate(`/daily-close/${dayjs(day.day).subtract(1, 'day').format('YYYY-MM-DD')}`)}>{t('前一天', 'Previous day')}</Button>
            <Button
              disabled={!dayjs(day.day).isBefore(dayjs(), 'day')}
              onClick={() => navigate(`/daily-close/${dayjs(day.day).add(1, 'day').format('YYYY-MM-DD')}`)}
            >
              {t('后一天', 'Next day')}
            </Button>
            {day.status === 'CLOSED' && (
              <AdjustmentButton
                correctsDay={day.day}
                onDone={(bookedOn) => {
                  message.success(t(`调整已记入 ${bookedOn}`, `Booked on ${bookedOn}`));
                  refresh();
                }}
              />
            )}
            <CloseDayButton day={day} onClosed={refresh} />
          </Space>
        }
      >
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <DayBlockers blockers={day.blockers} />
          <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered data-testid="day-totals">
            <Descriptions.Item label={t('收款', 'Collected')}>{formatFen(day.collectedFen)}</Descriptions.Item>
            <Descriptions.Item label={t('退款', 'Refunded')}>{formatFen(day.refundedFen)}</Descriptions.Item>
            <Descriptions.Item label={t('手续费', 'Fees')}>{formatFen(day.feeFen)}</Descriptions.Item>
            <Descriptions.Item label={t('调整', 'Adjustments')}>{formatFen(day.adjustmentsFen)}</Descriptions.Item>
            <Descriptions.Item label={t('净额', 'Net')}>
              <Typography.Text strong data-testid="day-net">
                {formatFen(day.netFen)}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('日结', 'Closed')}>{day.closedAt ? `${when(day.closedAt)} ${day.closedBy ?? ''}` : '—'}</Descriptions.Item>
          </Descriptions>
          {day.status === 'OPEN' && <Typography.Text type="secondary">{t('未日结：数字为实时预览。', 'Open: the figures are a live preview.')}</Typography.Text>}
          <ChannelTable channels={day.channels} />
        </Space>
      </Card>
      {day.adjustments.length > 0 && (
        <Card size="small" title={t('记入本日的调整', 'Adjustments booked on this day')}>
          <AdjustmentTable rows={day.adjustments} testId="day-adjustments" />
        </Card>
      )}
      {day.status === 'CLOSED' && (
        <Card size="small" title={t('本日的更正（记入之后的日期）', 'Corrections of this day (booked later)')}>
          <AdjustmentTable rows={day.corrections} testId="day-corrections" />
        </Card>
      )}
    </Space>
  );
}
