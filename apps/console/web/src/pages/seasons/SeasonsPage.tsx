// @access seasons
// Seasons and tariff plans (finance, admin): the seasons with their dates and status, publishing a season's
// bills (draft → open, with a dialog saying what residents will see), closing it, and the selected season's
// tariff plans with a form for every rule of the engine. The selected season lives in the URL (?season=).
import { PlusOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Empty, Modal, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import type { SeasonsQuery } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { compareDecimal } from '../../lib/decimal';
import { formatFen } from '../../lib/money';
import { PublishSeasonDoc, SeasonBillsDoc, SeasonsDoc, SetSeasonStatusDoc, TariffPlansDoc } from './documents';
import { CAP_MODE, CATEGORY, PRICING, SEASON_STATUS, SEASON_STATUS_COLOR, showDecimal } from './labels';
import { SeasonForm } from './SeasonForm';
import { TariffPlanForm } from './TariffPlanForm';
import type { Plan } from './tariffForm';

export type Season = NonNullable<SeasonsQuery['seasons']>[number];

export const seasonsKey = ['seasons'] as const;

export function useSeasons() {
  return useQuery({ queryKey: seasonsKey, queryFn: async () => (await request(SeasonsDoc)).seasons ?? [] });
}

function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}

/** Publishing a draft season: say plainly what changes for residents, with the bills it concerns. */
function PublishDialog({ season, onClose, onDone }: { season: Season; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const summary = useQuery({
    queryKey: ['seasonBills', season.id],
    queryFn: async () => (await request(SeasonBillsDoc, { seasonId: season.id })).billSummary,
  });
  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      const { publishSeason } = await request(PublishSeasonDoc, { id: season.id });
      if (publishSeason?.errors.length) {
        setError(publishSeason.errors.map((e) => e.message).join(' '));
        return;
      }
      message.success(t(`采暖季 ${season.name} 已发布`, `Season ${season.name} published`));
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const count = summary.data?.billCount;
  return (
    <Modal
      open
      title={t(`发布采暖季 ${season.name} 的账单？`, `Publish the bills of season ${season.name}?`)}
      okText={t('确认发布', 'Publish')}
      okButtonProps={{ loading: busy, danger: true, disabled: summary.isLoading, 'data-testid': 'publish-confirm' }}
      onOk={publish}
      onCancel={onClose}
      modalRender={(node) => <div data-testid="publish-dialog">{node}</div>}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Paragraph>
          {t(
            '发布后，居民将在小程序中看到本采暖季的账单并可以在线缴费，收费员也可以在柜台收取。发布后不能撤回。',
            'Once published, residents see this season’s bills in the mini-program and can pay them online, and collectors can take them at the counter. Publishing cannot be undone.',
          )}
        </Typography.Paragraph>
        {summary.data && (
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('账单数', 'Bills')}>
              <span data-testid="publish-bill-count">{count}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('应收合计', 'Billed in total')}>{formatFen(summary.data.billedFen)}</Descriptions.Item>
          </Descriptions>
        )}
        {count === 0 && (
          <Alert type="warning" showIcon message={t('本采暖季还没有账单：发布后出账的账单也会立即对居民可见。', 'This season has no bills yet: bills of later runs are visible to residents at once.')} />
        )}
        {error && <Alert type="error" showIcon message={error} />}
      </Space>
    </Modal>
  );
}

const positive = (v: string | null) => v !== null && compareDecimal(v, '0') > 0;

function planPrice(plan: Plan, t: T): string {
  const yuan = t('元/㎡', 'yuan/㎡');
  if (plan.pricing === 'TWO_PART') {
    const unit = plan.meteredUnit === 'KWH' ? 'kWh' : 'GJ';
    return t(
      `基本 ${showDecimal(plan.basicUnitPrice)} ${yuan} + 计量 ${showDecimal(plan.meteredUnitPrice)} 元/${unit}`,
      `basic ${showDecimal(plan.basicUnitPrice)} ${yuan} + metered ${showDecimal(plan.meteredUnitPrice)} yuan/${unit}`,
    );
  }
  return `${showDecimal(plan.areaUnitPrice)} ${yuan}`;
}

function planRules(plan: Plan, t: T): string[] {
  const out: string[] = [];
  if (plan.pricing === 'TWO_PART' && plan.capMode && plan.capMode !== 'NONE') {
    out.push(plan.capMode === 'AREA_BILL_PLUS' ? t(`封顶：面积热费 +${showDecimal(plan.capPct)}%`, `cap: area bill +${showDecimal(plan.capPct)}%`) : t(...CAP_MODE[plan.capMode]));
  }
  if (plan.pricing === 'TWO_PART' && plan.floorUnitPrice) out.push(t(`保底 ${showDecimal(plan.floorUnitPrice)} 元/㎡`, `floor ${showDecimal(plan.floorUnitPrice)} yuan/㎡`));
  out.push(t(`报停 ${showDecimal(plan.optedOutBasicPct)}%`, `opted out ${showDecimal(plan.optedOutBasicPct)}%`));
  if (plan.lowIncomeMode === 'PERCENT') out.push(t(`低保减免 ${showDecimal(plan.lowIncomePct)}%`, `relief ${showDecimal(plan.lowIncomePct)}%`));
  if (plan.lowIncomeMode === 'UNIT_PRICE') out.push(t(`低保单价 ${showDecimal(plan.lowIncomeUnitPrice)} 元/㎡`, `relief price ${showDecimal(plan.lowIncomeUnitPrice)} yuan/㎡`));
  if (positive(plan.earlyDiscountPct)) {
    out.push(t(`早缴 ${showDecimal(plan.earlyDiscountPct)}% 至 ${plan.earlyDiscountUntil}`, `early ${showDecimal(plan.earlyDiscountPct)}% until ${plan.earlyDiscountUntil}`));
  }
  if (positive(plan.lateFeeDailyPermille)) {
    out.push(t(`违约金 ${showDecimal(plan.lateFeeDailyPermille)}‰/天`, `late fee ${showDecimal(plan.lateFeeDailyPermille)}‰/day`));
  }
  return out;
}

function PlansCard({ season }: { season: Season }) {
  const t = useT();
  const [editing, setEditing] = useState<Plan | null | undefined>(undefined); // undefined: closed; null: new
  const plans = useQuery({
    queryKey: ['tariffPlans', season.id],
    queryFn: async () => (await request(TariffPlansDoc, { seasonId: season.id })).tariffPlans ?? [],
  });
  const closed = season.status === 'CLOSED';
  const columns: ColumnsType<Plan> = [
    { title: t('名称', 'Name'), dataIndex: 'name' },
    { title: t('类别', 'Category'), dataIndex: 'category', render: (c: Plan['category']) => (c ? t(...CATEGORY[c]) : '—') },
    { title: t('计价方式', 'Pricing'), dataIndex: 'pricing', render: (p: Plan['pricing']) => (p ? t(...PRICING[p]) : '—') },
    { title: t('价格', 'Price'), key: 'price', render: (_, plan) => planPrice(plan, t) },
    {
      title: t('规则', 'Rules'),
      key: 'rules',
      render: (_, plan) => (
        <Space size={[4, 4]} wrap>
          {planRules(plan, t).map((r) => (
            <Tag key={r}>{r}</Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      render: (_, plan) => (
        <Button size="small" disabled={closed} onClick={() => setEditing(plan)} data-testid={`plan-edit-${plan.id}`}>
          {t('编辑', 'Edit')}
        </Button>
      ),
    },
  ];
  return (
    <Card
      title={t(`收费标准 · ${season.name}`, `Tariff plans · ${season.name}`)}
      extra={
        <Button type="primary" icon={<PlusOutlined />} disabled={closed} onClick={() => setEditing(null)} data-testid="plan-new">
          {t('新增收费标准', 'New tariff plan')}
        </Button>
      }
      data-testid="plans-card"
    >
      {closed && <Alert type="info" showIcon message={t('已结束的采暖季不能修改收费标准。', 'A closed season’s plans cannot change.')} style={{ marginBottom: 12 }} />}
      {plans.error && <Alert type="error" showIcon message={errorText(plans.error)} />}
      <Table<Plan>
        rowKey="id"
        size="middle"
        loading={plans.isLoading}
        columns={columns}
        dataSource={plans.data ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t('还没有收费标准：出账前请至少为每类房屋设置一个。', 'No plans yet: bills need one for each house category.')} /> }}
        data-testid="plans-table"
      />
      <TariffPlanForm
        open={editing !== undefined}
        seasonId={season.id}
        season={{ lateFeeStart: season.lateFeeStart, heatingStart: season.heatingStart }}
        plan={editing ?? null}
        onClose={() => setEditing(undefined)}
        onSaved={() => {
          setEditing(undefined);
          void plans.refetch();
        }}
      />
    </Card>
  );
}

export default function SeasonsPage() {
  const t = useT();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [publishing, setPublishing] = useState<Season | null>(null);
  const seasons = useSeasons();
  const list = seasons.data ?? [];
  const selected = list.find((s) => s.id === params.get('season')) ?? list[0] ?? null;
  const select = (id: string) => setParams((p) => ({ ...Object.fromEntries(p), season: id }), { replace: true });
  const refresh = () => queryClient.invalidateQueries({ queryKey: seasonsKey });

  const close = (season: Season) =>
    modal.confirm({
      title: t(`结束采暖季 ${season.name}？`, `Close season ${season.name}?`),
      content: t(
        '结束后不能再为该采暖季出账或修改收费标准；账单仍对居民可见，欠费仍可缴纳。',
        'A closed season gets no more bill runs and its plans cannot change; its bills stay visible and can still be paid.',
      ),
      okText: t('结束采暖季', 'Close season'),
      okButtonProps: { danger: true, 'data-testid': 'close-confirm' },
      onOk: async () => {
        try {
          const { setSeasonStatus } = await request(SetSeasonStatusDoc, { id: season.id, status: 'CLOSED' });
          if (setSeasonStatus?.errors.length) message.error(setSeasonStatus.errors.map((e) => e.message).join(' '));
          else message.success(t('采暖季已结束', 'Season closed'));
        } catch (err) {
          message.error(errorText(err));
        }
        await refresh();
      },
    });

  const columns: ColumnsType<Season> = [
    { title: t('采暖季', 'Season'), dataIndex: 'name', render: (name: string, s) => <a onClick={() => select(s.id)}>{name}</a> },
    {
      title: t('供暖期', 'Heating period'),
      key: 'period',
      render: (_, s) => t(`${s.heatingStart} 至 ${s.heatingEnd}（${s.days} 天）`, `${s.heatingStart} – ${s.heatingEnd} (${s.days} days)`),
    },
    { title: t('缴费截止', 'Payment due'), dataIndex: 'paymentDue' },
    { title: t('违约金起算', 'Late fees from'), dataIndex: 'lateFeeStart' },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (status: Season['status'], s) => (
        <Tag color={SEASON_STATUS_COLOR[status]} data-testid={`season-status-${s.name}`}>
          {t(...SEASON_STATUS[status])}
        </Tag>
      ),
    },
    {
      title: t('发布', 'Published'),
      key: 'published',
      render: (_, s) => (s.publishedAt ? `${dayjs(s.publishedAt).format('YYYY-MM-DD HH:mm')} ${s.publishedBy ?? ''}` : s.published ? t('已发布', 'Yes') : '—'),
    },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      render: (_, s) => (
        <Space>
          <Button size="small" onClick={() => select(s.id)} data-testid={`season-plans-${s.name}`}>
            {t('收费标准', 'Plans')}
          </Button>
          {s.status === 'DRAFT' && (
            <Button size="small" type="primary" onClick={() => setPublishing(s)} data-testid={`season-publish-${s.name}`}>
              {t('发布账单', 'Publish bills')}
            </Button>
          )}
          {s.status === 'OPEN' && (
            <Button size="small" danger onClick={() => close(s)} data-testid={`season-close-${s.name}`}>
              {t('结束', 'Close')}
            </Button>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="seasons-page">
      <Card
        title={t('采暖季', 'Heating seasons')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="season-new">
            {t('新建采暖季', 'New season')}
          </Button>
        }
      >
        {seasons.error && <Alert type="error" showIcon message={errorText(seasons.error)} />}
        <Table<Season>
          rowKey="id"
          size="middle"
          loading={seasons.isLoading}
          columns={columns}
          dataSource={list}
          pagination={list.length > 10 ? { pageSize: 10 } : false}
          rowClassName={(s) => (s.id === selected?.id ? 'ant-table-row-selected' : '')}
          data-testid="seasons-table"
        />
      </Card>
      {selected ? <PlansCard key={selected.id} season={selected} /> : !seasons.isLoading && <Empty description={t('还没有采暖季', 'No seasons yet')} />}
      <SeasonForm
        open={creating}
        latest={[...list].sort((a, b) => b.heatingStart.localeCompare(a.heatingStart))[0] ?? null}
        onClose={() => setCreating(false)}
        onCreated={(id) => {
          setCreating(false);
          void refresh().then(() => select(id));
        }}
      />
      {publishing && (
        <PublishDialog
          season={publishing}
          onClose={() => setPublishing(null)}
          onDone={() => {
            setPublishing(null);
            void refresh();
          }}
        />
      )}
    </Space>
  );
}
