// @access dailyClose
// Days (/daily-close): each day of a range (at most 93) with its status, figures and whether it can close;
// the range exports to .xlsx as a background job.
import { Alert, Card, DatePicker, Space, Switch, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useGraphQL } from '../../api/hooks';
import type { DailyCloseDaysQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { ReportExport } from '../reports/ReportExport';
import { DailyClosesDoc } from './documents';
import { DAY_STATUS, DAY_STATUS_COLOR } from './labels';

type Row = NonNullable<DailyCloseDaysQuery['dailyCloses']>[number];

export default function DaysList() {
  const t = useT();
  const [range, setRange] = useState<[string, string]>(() => [dayjs().subtract(30, 'day').format('YYYY-MM-DD'), dayjs().format('YYYY-MM-DD')]);
  const [activeOnly, setActiveOnly] = useState(false);
  const { data, error, isLoading } = useGraphQL(DailyClosesDoc, { dateFrom: range[0], dateTo: range[1] });
  const rows = (data?.dailyCloses ?? []).filter((d) => !activeOnly || d.hasActivity || d.status === 'CLOSED');
  const money = (f: number) => formatFen(f);
  const columns: ColumnsType<Row> = [
    {
      title: t('日期', 'Day'),
      dataIndex: 'day',
      render: (d: string) => (
        <Link to={d} data-testid={`day-${d}`}>
          {d}
        </Link>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (s: Row['status'], r) => (
        <Space size={4}>
          <Tag color={DAY_STATUS_COLOR[s]} data-testid={`day-status-${r.day}`} data-status={s}>
            {t(...DAY_STATUS[s])}
          </Tag>
          {s === 'OPEN' &&
            (r.canClose ? (
              <Typography.Text type="success">{t('可日结', 'Ready')}</Typography.Text>
            ) : r.blockers.length ? (
              <Typography.Text type="warning">{t(`${r.blockers.length} 项待完成`, `${r.blockers.length} to finish`)}</Typography.Text>
            ) : null)}
        </Space>
      ),
    },
    { title: t('收款', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    { title: t('退款', 'Refunded'), dataIndex: 'refundedFen', align: 'right', render: money },
    { title: t('手续费', 'Fees'), dataIndex: 'feeFen', align: 'right', render: money },
    { title: t('调整', 'Adjustments'), dataIndex: 'adjustmentsFen', align: 'right', render: money },
    { title: t('净额', 'Net'), dataIndex: 'netFen', align: 'right', render: (f: number) => <Typography.Text strong>{money(f)}</Typography.Text> },
    { title: t('日结人', 'Closed by'), dataIndex: 'closedBy', render: (v: string | null, r) => (v ? `${v} ${dayjs(r.closedAt).format('MM-DD HH:mm')}` : '—') },
  ];
  return (
    <Card
      title={t('日结', 'Daily close')}
      extra={
        <Space wrap>
          <Space size={4}>
            <Switch size="small" checked={activeOnly} onChange={setActiveOnly} data-testid="days-active-only" />
            {t('只看有收支的日期', 'Days with money only')}
          </Space>
          <DatePicker.RangePicker
            allowClear={false}
            value={[dayjs(range[0]), dayjs(range[1])]}
            disabledDate={(d) => d.isAfter(dayjs(), 'day')}
            onChange={(v) => v?.[0] && v[1] && setRange([v[0].format('YYYY-MM-DD'), v[1].format('YYYY-MM-DD')])}
            data-testid="days-range"
          />
          <ReportExport testId="export-days" params={{ kind: 'DAILY_CLOSES', dateFrom: range[0], dateTo: range[1] }} />
        </Space>
      }
    >
      {error && <Alert type="error" showIcon message={error.message} style={{ marginBottom: 16 }} />}
      <Table<Row> rowKey="day" size="small" loading={isLoading} columns={columns} dataSource={rows} pagination={{ pageSize: 31, showSizeChanger: false }} data-testid="days-table" />
    </Card>
  );
}
