// @access billRuns
// Bill runs (finance, admin): pick a season, preview the run community by community (a dry run writes no
// bill: bills, principal, skipped and error houses per community), run it for real with a live progress bar
// (polling billRun(id) while it is queued or running), read the results, and list the season's earlier runs.
// The followed run and the season live in the URL (?season=&run=), so a reload keeps following it.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Empty, Progress, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import { pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { BillRunQuery, BillRunsQuery, BillRunStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { BillRunDoc, BillRunSeasonsDoc, BillRunsDoc, GenerateBillsDoc } from './documents';
import { isActive, POLL_MS, progressPercent, sumTotals, type CommunityTotal } from './run';
import DataTable from '../../components/DataTable';

type Run = NonNullable<BillRunQuery['billRun']>;
type HistoryRow = BillRunsQuery['billRuns']['items'][number];
type Issue = Run['errors'][number];

const STATUS: Record<BillRunStatus, [string, string, string]> = {
  QUEUED: ['排队中', 'Queued', 'default'],
  RUNNING: ['进行中', 'Running', 'processing'],
  SUCCEEDED: ['已完成', 'Finished', 'success'],
  FAILED: ['失败', 'Failed', 'error'],
};

function RunResult({ runId, seasonDraft, onFinished, onRealRun }: { runId: string; seasonDraft: boolean; onFinished: (status: BillRunStatus) => void; onRealRun: () => void }) {
  const t = useT();
  const [community, setCommunity] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['billRun', runId],
    queryFn: async () => (await request(BillRunDoc, { id: runId })).billRun,
    refetchInterval: (q) => (isActive(q.state.data?.status) ? POLL_MS : false),
    staleTime: 0,
  });
  const run = query.data;
  const active = isActive(run?.status);
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active && run) onFinished(run.status);
    wasActive.current = active;
  }, [active, run, onFinished]);

  const totals: CommunityTotal[] = useMemo(() => (run?.totals ?? []).filter((r) => !community || r.community === community), [run, community]);
  const issues = useMemo(() => (run?.errors ?? []).filter((e) => !community || e.community === community), [run, community]);
  const sums = sumTotals(totals);

  if (query.isLoading) return <Card loading />;
  if (query.error) return <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />;
  if (!run) return <Alert type="warning" showIcon message={t('找不到该出账任务', 'No such bill run')} />;

  const [zh, en, color] = STATUS[run.status];
  const columns: ColumnsType<CommunityTotal> = [
    { title: t('小区', 'Community'), dataIndex: 'community' },
    { title: run.dryRun ? t('将出账单', 'Bills to issue') : t('已出账单', 'Bills issued'), dataIndex: 'bills', align: 'right' },
    { title: t('应收', 'Billed'), dataIndex: 'principalFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('跳过', 'Skipped'), dataIndex: 'skipped', align: 'right' },
    {
      title: t('错误', 'Errors'),
      dataIndex: 'errors',
      align: 'right',
      render: (n: number) => (n ? <Typography.Text type="danger">{n}</Typography.Text> : n),
    },
  ];
  const issueColumns: ColumnsType<Issue> = [
    { title: t('户号', 'Account'), dataIndex: 'accountNo', width: 120 },
    { title: t('小区', 'Community'), dataIndex: 'community', width: 140, render: (c: string | null) => c ?? '—' },
    { title: t('原因', 'Reason'), dataIndex: 'message' },
  ];
  return (
    <Card
      data-testid="bill-run-result"
      title={
        <Space>
          {run.dryRun ? t(`试算预览 #${run.id}`, `Dry run #${run.id}`) : t(`出账 #${run.id}`, `Bill run #${run.id}`)}
          <Tag color={color} data-testid="bill-run-status" data-status={run.status}>
            {t(zh, en)}
          </Tag>
        </Space>
      }
      extra={
        <Typography.Text type="secondary">
          {run.requestedBy} · {dayjs(run.createdAt).format('YYYY-MM-DD HH:mm:ss')}
        </Typography.Text>
      }
    >
      <Progress
        percent={progressPercent(run)}
        status={run.status === 'FAILED' ? 'exception' : active ? 'active' : 'success'}
        data-testid="bill-run-progress"
      />
      <Typography.Paragraph type="secondary" data-testid="bill-run-processed">
        {t(`已处理 ${run.processed} / ${run.total} 户`, `${run.processed} of ${run.total} houses processed`)}
      </Typography.Paragraph>
      {run.status === 'FAILED' && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('出账中断。再次正式出账会从中断处继续，已出的账单不会重复。', 'The run stopped. Running again resumes it; no bill is issued twice.')}
        />
      )}
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={6}>
          <Statistic title={run.dryRun ? t('将出账单', 'Bills to issue') : t('已出账单', 'Bills issued')} value={run.created} valueStyle={{ fontSize: 22 }} />
        </Col>
        <Col span={6}>
          <Statistic title={t('跳过（停供或本季已出账）', 'Skipped (disconnected or billed)')} value={run.skipped} valueStyle={{ fontSize: 22 }} />
        </Col>
        <Col span={6}>
          <Statistic
            title={t('无法出账', 'Could not bill')}
            value={run.errorCount}
            valueStyle={{ fontSize: 22, color: run.errorCount ? '#cf1322' : undefined }}
          />
        </Col>
        <Col span={6}>
          <Statistic title={t('应收合计', 'Billed in total')} value={formatFen(sumTotals(run.totals).principalFen)} valueStyle={{ fontSize: 22 }} />
        </Col>
      </Row>

      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Text>{t('按小区查看', 'Community')}</Typography.Text>
        <Select
          allowClear
          style={{ width: 220 }}
          placeholder={t('全部小区', 'All communities')}
          value={community ?? undefined}
          onChange={(v) => setCommunity(v ?? null)}
          options={run.totals.map((r) => ({ value: r.community, label: r.community }))}
          data-testid="bill-run-community"
        />
      </Space>
      <Table<CommunityTotal>
        rowKey="community"
        size="small"
        columns={columns}
        dataSource={totals}
        pagination={totals.length > 20 ? { pageSize: 20 } : false}
        data-testid="bill-run-totals"
        locale={{ emptyText: active ? t('计算中…', 'Working…') : t('没有房屋', 'No houses') }}
        summary={() =>
          totals.length > 1 ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>{t('合计', 'Total')}</Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">{sums.bills}</Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">{formatFen(sums.principalFen)}</Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">{sums.skipped}</Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">{sums.errors}</Table.Summary.Cell>
            </Table.Summary.Row>
          ) : null
        }
      />
      {issues.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('无法出账的房屋', 'Houses that could not be billed')}
            {run.errorCount > run.errors.length && (
              <Typography.Text type="secondary" style={{ fontWeight: 'normal', marginLeft: 8 }}>
                {t(`（仅列出前 ${run.errors.length} 户，共 ${run.errorCount} 户）`, `(first ${run.errors.length} of ${run.errorCount})`)}
              </Typography.Text>
            )}
          </Typography.Title>
          <Table<Issue> rowKey="houseId" size="small" columns={issueColumns} dataSource={issues} pagination={{ pageSize: 10 }} data-testid="bill-run-errors" />
        </>
      )}
      {run.status === 'SUCCEEDED' && (
        <Space style={{ marginTop: 16 }}>
          {run.dryRun ? (
            <Button type="primary" onClick={onRealRun} data-testid="bill-run-go">
              {t('确认无误，正式出账', 'Looks right: run it for real')}
            </Button>
          ) : (
            <>
              <Link to={`/bills?season=${run.seasonId}`} data-testid="bill-run-bills-link">
                {t('查看本季账单', 'See the season’s bills')}
              </Link>
              {seasonDraft && (
                <Link to={`/seasons?season=${run.seasonId}`} data-testid="bill-run-publish-link">
                  {t('检查无误后去发布账单', 'Then publish the bills')}
                </Link>
              )}
            </>
          )}
        </Space>
      )}
    </Card>
  );
}

export default function BillRunsPage() {
  const t = useT();
  const { message, modal } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [starting, setStarting] = useState<boolean | null>(null); // the dryRun value being started
  const [startError, setStartError] = useState<string | null>(null);
  const history = useRef<ActionType>(null);
  const seasons = useQuery({ queryKey: ['billRunSeasons'], queryFn: async () => (await request(BillRunSeasonsDoc)).seasons ?? [] });
  const list = seasons.data ?? [];
  const seasonId = params.get('season') ?? list.find((s) => s.status !== 'CLOSED')?.id ?? list[0]?.id ?? null;
  const season = list.find((s) => s.id === seasonId) ?? null;
  const runId = params.get('run');
  const setParam = (next: Record<string, string | null>) =>
    setParams(
      (p) => {
        const out = new URLSearchParams(p);
        for (const [k, v] of Object.entries(next)) {
          if (v === null) out.delete(k);
          else out.set(k, v);
        }
        return out;
      },
      { replace: true },
    );

  const start = async (dryRun: boolean) => {
    if (!seasonId) return;
    setStarting(dryRun);
    setStartError(null);
    try {
      const { generateBills } = await request(GenerateBillsDoc, { seasonId, dryRun });
      if (generateBills?.errors.length || !generateBills?.billRun) {
        setStartError((generateBills?.errors ?? []).map((e) => e.message).join(' ') || t('无法开始出账', 'The run could not start'));
        return;
      }
      setParam({ season: seasonId, run: generateBills.billRun.id });
      history.current?.reload();
    } catch (err) {
      setStartError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setStarting(null);
    }
  };

  const confirmRealRun = () => {
    if (!season) return;
    modal.confirm({
      title: t(`为采暖季 ${season.name} 正式出账？`, `Issue the bills of season ${season.name}?`),
      content:
        season.status === 'OPEN'
          ? t(
              '将为本季尚未出账的房屋生成账单（已出账和停供的房屋跳过）。该采暖季已发布：新账单会立即出现在居民的小程序中。',
              'Bills are issued for houses without one this season (billed and disconnected houses are skipped). This season is published: residents see the new bills at once.',
            )
          : t(
              '将为本季尚未出账的房屋生成账单（已出账和停供的房屋跳过）。采暖季仍是草稿：账单在发布前只有员工可见。',
              'Bills are issued for houses without one this season (billed and disconnected houses are skipped). The season is a draft: only staff see the bills until it is published.',
            ),
      okText: t('正式出账', 'Issue bills'),
      okButtonProps: { 'data-testid': 'bill-run-confirm' },
      onOk: () => start(false),
    });
  };

  const historyColumns: ProColumns<HistoryRow>[] = [
    { title: '#', dataIndex: 'id', width: 60 },
    { title: t('类型', 'Kind'), dataIndex: 'dryRun', render: (_, r) => (r.dryRun ? t('试算', 'Dry run') : t('正式出账', 'Real run')) },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (_, r) => {
        const [zh, en, color] = STATUS[r.status];
        return <Tag color={color}>{t(zh, en)}</Tag>;
      },
    },
    { title: t('进度', 'Progress'), key: 'progress', render: (_, r) => `${r.processed} / ${r.total}` },
    { title: t('出账', 'Bills'), dataIndex: 'created', align: 'right' },
    { title: t('跳过', 'Skipped'), dataIndex: 'skipped', align: 'right' },
    { title: t('错误', 'Errors'), dataIndex: 'errorCount', align: 'right' },
    { title: t('发起人', 'By'), dataIndex: 'requestedBy' },
    { title: t('时间', 'Started'), dataIndex: 'createdAt', render: (_, r) => dayjs(r.createdAt).format('YYYY-MM-DD HH:mm') },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, r) => (
        <Button size="small" type="link" onClick={() => setParam({ run: r.id })} data-testid={`bill-run-open-${r.id}`}>
          {t('查看', 'Open')}
        </Button>
      ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="bill-runs-page">
      <Card title={t('出账', 'Bill runs')}>
        {seasons.error && <Alert type="error" showIcon message={seasons.error instanceof ApiError ? seasons.error.message : String(seasons.error)} />}
        {!seasons.isLoading && list.length === 0 ? (
          <Empty description={t('还没有采暖季：先在“采暖季与收费标准”中创建。', 'No seasons yet: create one under Seasons and tariffs.')} />
        ) : (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space wrap>
              <Typography.Text>{t('采暖季', 'Season')}</Typography.Text>
              <Select
                style={{ width: 220 }}
                loading={seasons.isLoading}
                value={seasonId ?? undefined}
                onChange={(v: string) => setParam({ season: v, run: null })}
                options={list.map((s) => ({ value: s.id, label: s.name }))}
                data-testid="bill-run-season"
              />
              <Button onClick={() => void start(true)} loading={starting === true} disabled={!seasonId || starting !== null} data-testid="bill-run-dry">
                {t('试算预览', 'Preview (dry run)')}
              </Button>
              <Button
                type="primary"
                onClick={confirmRealRun}
                loading={starting === false}
                disabled={!season || season.status === 'CLOSED' || starting !== null}
                data-testid="bill-run-real"
              >
                {t('正式出账', 'Issue bills')}
              </Button>
            </Space>
            {season && (
              <Typography.Text type="secondary">
                {season.status === 'DRAFT' &&
                  t('草稿采暖季：账单在发布前只有员工可见，可先出账核对再发布。', 'Draft season: bills stay staff-only until it is published, so they can be checked first.')}
                {season.status === 'OPEN' && t('该采暖季已发布：正式出账后居民立即可见新账单。', 'This season is published: residents see new bills at once.')}
                {season.status === 'CLOSED' && t('该采暖季已结束，只能试算。', 'This season is closed: dry runs only.')}
              </Typography.Text>
            )}
            {startError && <Alert type="error" showIcon message={startError} data-testid="bill-run-start-error" />}
          </Space>
        )}
      </Card>

      {runId && (
        <RunResult
          key={runId}
          runId={runId}
          seasonDraft={season?.status === 'DRAFT'}
          onFinished={(status) => {
            history.current?.reload();
            if (status === 'SUCCEEDED') message.success(t('出账任务已完成', 'The run finished'));
            else message.error(t('出账任务失败', 'The run failed'));
          }}
          onRealRun={confirmRealRun}
        />
      )}

      {seasonId && (
        <DataTable<HistoryRow, ProTableParams>
          headerTitle={t('出账记录', 'Runs of this season')}
          rowKey="id"
          actionRef={history}
          columns={historyColumns}
          search={false}
          options={{ reload: true, density: false, setting: false }}
          pagination={{ defaultPageSize: 10 }}
          params={{ seasonId }}
          data-testid="bill-run-history"
          request={async (p) => {
            const { billRuns } = await request(BillRunsDoc, { ...pageArgs(p), seasonId });
            return tablePage(billRuns);
          }}
        />
      )}
    </Space>
  );
}
