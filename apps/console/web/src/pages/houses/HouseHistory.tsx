// @access houses
// A house's heating-status history (报停 / 停供 / 恢复 with reason, date and who) and the residents bound to it
// (the API masks their phone numbers for every role).
import { useQuery } from '@tanstack/react-query';
import { Alert, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { BindingRole, HouseDetailResidentsQuery, HouseDetailStatusChangesQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { HEATING_STATUS_COLORS, heatingStatusText } from './labels';

export const HouseDetailStatusChangesDoc = graphql(`
  query HouseDetailStatusChanges($houseId: ID!, $first: Int, $offset: Int) {
    houseStatusChanges(houseId: $houseId, first: $first, offset: $offset) {
      totalCount
      items { id fromStatus toStatus reason effectiveDate changedBy createdAt }
    }
  }
`);

export const HouseDetailResidentsDoc = graphql(`
  query HouseDetailResidents($houseId: ID!) {
    houseResidents(houseId: $houseId) { residentId displayName phoneMasked role boundAt }
  }
`);

type Change = HouseDetailStatusChangesQuery['houseStatusChanges']['items'][number];
type Resident = NonNullable<HouseDetailResidentsQuery['houseResidents']>[number];
const PAGE = 10;

function Failure({ error }: { error: unknown }) {
  return <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />;
}

export function HouseStatusHistory({ houseId }: { houseId: string }) {
  const t = useT();
  const labels = heatingStatusText(t);
  const [page, setPage] = useState(1);
  const { data, isFetching, error } = useQuery({
    queryKey: ['houseStatusChanges', houseId, page],
    queryFn: () => request(HouseDetailStatusChangesDoc, { houseId, first: PAGE, offset: (page - 1) * PAGE }),
    placeholderData: (previous) => previous,
  });
  if (error) return <Failure error={error} />;
  const tag = (s: Change['toStatus']) => <Tag color={HEATING_STATUS_COLORS[s]}>{labels[s]}</Tag>;
  return (
    <div data-testid="house-status-history">
      <Table<Change>
        size="small"
        rowKey="id"
        loading={isFetching}
        dataSource={data?.houseStatusChanges.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: data?.houseStatusChanges.totalCount ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('生效日期', 'Effective'), dataIndex: 'effectiveDate', width: 110 },
          {
            title: t('变更', 'Change'),
            dataIndex: 'toStatus',
            width: 220,
            render: (_: unknown, row) => (
              <>
                {tag(row.fromStatus)} → {tag(row.toStatus)}
              </>
            ),
          },
          { title: t('原因', 'Reason'), dataIndex: 'reason' },
          { title: t('操作人', 'By'), dataIndex: 'changedBy', width: 120 },
          { title: t('记录时间', 'Recorded'), dataIndex: 'createdAt', width: 150, render: (d: string) => dayjs(d).format('YYYY-MM-DD HH:mm') },
        ]}
      />
    </div>
  );
}

export function HouseResidents({ houseId }: { houseId: string }) {
  const t = useT();
  const roles: Record<BindingRole, string> = { OWNER: t('户主', 'Owner'), FAMILY: t('家属', 'Family'), TENANT: t('租户', 'Tenant') };
  const { data, isPending, error } = useQuery({
    queryKey: ['houseResidents', houseId],
    queryFn: () => request(HouseDetailResidentsDoc, { houseId }),
  });
  if (error) return <Failure error={error} />;
  return (
    <div data-testid="house-residents">
      <Table<Resident>
        size="small"
        rowKey="residentId"
        loading={isPending}
        dataSource={data?.houseResidents ?? []}
        pagination={false}
        locale={{ emptyText: t('还没有居民绑定这套房屋', 'No resident has bound this house yet') }}
        columns={[
          { title: t('微信昵称', 'WeChat name'), dataIndex: 'displayName', render: (n: string) => n || '—' },
          { title: t('手机号', 'Phone'), dataIndex: 'phoneMasked', render: (p: string | null) => p ?? t('未绑定', 'none') },
          { title: t('关系', 'Relation'), dataIndex: 'role', render: (r: BindingRole) => roles[r] },
          { title: t('绑定时间', 'Bound'), dataIndex: 'boundAt', render: (d: string) => dayjs(d).format('YYYY-MM-DD HH:mm') },
        ]}
      />
    </div>
  );
}
