// @access reconciliation
// Statement runs (/reconciliation): a server-paginated table filtered by bill dates, channel, bill kind and
// status, the differences per class over what it shows, and (when the API offers it) a form to start a run.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { Card, Space, Statistic, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { request } from '../../api/client';
import { useGraphQL } from '../../api/hooks';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { MerchantChannel, ReconClassTotalsQuery, ReconRunsQuery, StatementKind, StatementRunStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { ReconClassTotalsDoc, ReconRunsDoc } from './documents';
import {
  DIFF_KIND,
  DIFF_KIND_COLOR,
  MERCHANT_CHANNEL,
  MERCHANT_CHANNEL_COLOR,
  MERCHANT_CHANNELS,
  RUN_STATUS,
  RUN_STATUS_COLOR,
  RUN_STATUSES,
  STATEMENT_KIND,
  STATEMENT_KINDS,
} from './labels';
import { StartRunButton } from './StartRunButton';
import DataTable from '../../components/DataTable';

type Row = ReconRunsQuery['statementRuns']['items'][number];
interface Shown {
  dateFrom: string | null;
  dateTo: string | null;
  channel: MerchantChannel | null;
}

/** The search form's values as statementRuns' arguments (blank choices are no filter). */
export function runFilter(params: ProTableParams) {
  return {
    dateFrom: optional(params.dateFrom) ?? null,
    dateTo: optional(params.dateTo) ?? null,
    channel: (optional(params.channel) as MerchantChannel | undefined) ?? null,
    status: (optional(params.status) as StatementRunStatus | undefined) ?? null,
    kind: (optional(params.kind) as StatementKind | undefined) ?? null,
  };
}

const CLASS_KEYS = [
  ['CHANNEL_ONLY', 'channelOnly'],
  ['LOCAL_ONLY', 'localOnly'],
  ['AMOUNT_MISMATCH', 'amount'],
  ['STATUS_MISMATCH', 'status'],
  ['FEE_MISMATCH', 'fee'],
  ['CROSS_DAY', 'crossDay'],
] as const;

function ClassTotals({ shown }: { shown: Shown }) {
  const t = useT();
  const { data } = useGraphQL(ReconClassTotalsDoc, shown);
  if (!data) return null;
  const count = (key: keyof ReconClassTotalsQuery) => data[key].totalCount;
  return (
    <Card size="small" data-testid="class-totals">
      <Space size="large" wrap>
        {CLASS_KEYS.map(([kind, key]) => (
          <Statistic
            key={kind}
            title={<Tag color={DIFF_KIND_COLOR[kind]}>{t(...DIFF_KIND[kind])}</Tag>}
            value={count(key)}
            suffix={
              count(`${key}Open`) ? (
                <Typography.Text type="danger" style={{ fontSize: 13 }}>
                  {t(`待处理 ${count(`${key}Open`)}`, `${count(`${key}Open`)} open`)}
                </Typography.Text>
              ) : null
            }
            data-testid={`class-total-${kind}`}
          />
        ))}
      </Space>
    </Card>
  );
}

export default function RunsList() {
  const t = useT();
  const navigate = useNavigate();
  const action = useRef<ActionType>(null);
  const [shown, setShown] = useState<Shown>({ dateFrom: null, dateTo: null, channel: null });

  const columns: ProColumns<Row>[] = [
    {
      title: t('账单日期', 'Bill dates'),
      dataIndex: 'billDates',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ dateFrom: value[0], dateTo: value[1] }) },
    },
    {
      title: t('账单日期', 'Bill date'),
      dataIndex: 'billDate',
      search: false,
      render: (_, row) => (
        <Link to={row.id} data-testid={`run-${row.id}`}>
          {row.billDate}
        </Link>
      ),
    },
    {
      title: t('渠道', 'Channel'),
      dataIndex: 'channel',
      valueType: 'select',
      valueEnum: Object.fromEntries(MERCHANT_CHANNELS.map((c) => [c, { text: t(...MERCHANT_CHANNEL[c]) }])),
      render: (_, row) => <Tag color={MERCHANT_CHANNEL_COLOR[row.channel]}>{t(...MERCHANT_CHANNEL[row.channel])}</Tag>,
    },
    { title: t('商户号', 'Merchant'), dataIndex: 'merchantId', search: false },
    {
      title: t('账单类型', 'Bill'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: Object.fromEntries(STATEMENT_KINDS.map((k) => [k, { text: t(...STATEMENT_KIND[k]) }])),
      render: (_, row) => t(...STATEMENT_KIND[row.kind]),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(RUN_STATUSES.map((s) => [s, { text: t(...RUN_STATUS[s]) }])),
      render: (_, row) => (
        <Tag color={RUN_STATUS_COLOR[row.status]} data-testid={`run-status-${row.id}`} data-status={row.status} title={row.error ?? undefined}>
          {t(...RUN_STATUS[row.status])}
        </Tag>
      ),
    },
    {
      title: t('差异', 'Differences'),
      key: 'differences',
      search: false,
      render: (_, row) =>
        row.differenceCounts.length ? (
          <Space size={[4, 4]} wrap data-testid={`run-differences-${row.id}`}>
            {row.differenceCounts.map((c) => (
              <Tag key={c.kind} color={DIFF_KIND_COLOR[c.kind]}>
                {t(...DIFF_KIND[c.kind])} {c.total}
              </Tag>
            ))}
          </Space>
        ) : row.matchedCount !== null ? (
          <Typography.Text type="success">{t('无差异', 'None')}</Typography.Text>
        ) : (
          '—'
        ),
    },
    {
      title: t('待处理', 'Open'),
      dataIndex: 'openDifferenceCount',
      search: false,
      align: 'right',
      render: (_, row) => (row.openDifferenceCount ? <Typography.Text type="danger">{row.openDifferenceCount}</Typography.Text> : 0),
    },
    {
      title: t('渠道收款 / 本地收款', 'Paid: bill / ledger'),
      key: 'paid',
      search: false,
      align: 'right',
      render: (_, row) => (row.channelPaidFen === null ? '—' : `${formatFen(row.channelPaidFen)} / ${formatFen(row.localPaidFen)}`),
    },
    { title: t('发起人', 'Started by'), dataIndex: 'startedBy', search: false, render: (_, row) => row.startedBy ?? t('定时任务', 'Schedule') },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        <Link key="detail" to={row.id}>
          {t('详情', 'Details')}
        </Link>,
      ],
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <ClassTotals shown={shown} />
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="runs-table"
        headerTitle={t('对账批次', 'Statement runs')}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        toolBarRender={() => [<StartRunButton key="start" onStarted={(id) => navigate(id)} />]}
        request={async (params) => {
          const filter = runFilter(params);
          setShown({ dateFrom: filter.dateFrom, dateTo: filter.dateTo, channel: filter.channel });
          const { first, offset } = pageArgs(params);
          const { statementRuns } = await request(ReconRunsDoc, { ...filter, offset, limit: first });
          return tablePage(statementRuns);
        }}
      />
    </Space>
  );
}
