// @access houses
// The house ledger: a server-paginated ProTable filtered by community, building (of the chosen community),
// heating status, arrears, category, low-income mark and a search by 户号 prefix / owner name / full phone number
// / address words.
// The filters live in the URL, so coming back from a house's detail page finds the same page of the table.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { Tag } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { request } from '../../api/client';
import { ExportButton } from '../../components/export/ExportButton';
import { useCan } from '../../auth/useCan';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import { graphql } from '../../gql/tenant';
import type { HeatingStatus, HouseCategory, HouseFilter, HousesPageListQuery, LowIncome } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { HeatingStatusButton, HeatingStatusDialog } from './HeatingStatusDialog';
import { HEATING_STATUS_COLORS, categoryText, heatingStatusText, lowIncomeText, valueEnum } from './labels';
import DataTable from '../../components/DataTable';

export const HousesDoc = graphql(`
  query HousesPageList($filter: HouseFilter, $first: Int, $offset: Int) {
    houses(filter: $filter, first: $first, offset: $offset) {
      totalCount
      items {
        id
        accountNo
        address
        community
        building
        unit
        room
        buildingArea
        category
        lowIncome
        heatingStatus
        ownerName
        ownerPhone
      }
    }
  }
`);

export const HousesPageExportDoc = graphql(`
  mutation HousesPageExport($filter: HouseFilter) {
    startHouseExport(filter: $filter) {
      job { id }
      errors { field message code }
    }
  }
`);

export const CommunityOptionsDoc = graphql(`
  query HousesPageCommunities($search: String) {
    communities(search: $search, first: 50) {
      items { id name }
    }
  }
`);

export const BuildingOptionsDoc = graphql(`
  query HousesPageBuildings($communityId: ID!) {
    buildings(communityId: $communityId) { id name }
  }
`);

type Row = HousesPageListQuery['houses']['items'][number];

/** The search form's values as the API's HouseFilter (blank choices are no filter). */
export function houseFilter(params: ProTableParams): HouseFilter {
  const communityId = optional(params.communityId);
  return {
    search: optional(params.search),
    communityId,
    buildingId: communityId ? optional(params.buildingId) : undefined,
    heatingStatus: optional(params.heatingStatus) as HeatingStatus | undefined,
    category: optional(params.category) as HouseCategory | undefined,
    lowIncome: optional(params.lowIncome) as LowIncome | undefined,
    inArrears: params.inArrears === 'yes' ? true : params.inArrears === 'no' ? false : undefined,
  };
}

export default function HouseTable() {
  const t = useT();
  const can = useCan();
  const action = useRef<ActionType>(null);
  // The filter of the page on screen: the export writes every house it matches, not just this page.
  const shown = useRef<HouseFilter>({});
  // The row whose heating status is being changed: one dialog for the page, not one per row.
  const [statusOf, setStatusOf] = useState<Row | null>(null);

  // Built once per language/role: new column objects on every render make ProTable redo its column state.
  const columns = useMemo<ProColumns<Row>[]>(() => {
    const statusText = heatingStatusText(t);
    return [
      {
        title: t('搜索', 'Search'),
        dataIndex: 'search',
        hideInTable: true,
        order: 10,
        fieldProps: { placeholder: t('户号 / 户主姓名 / 完整手机号 / 地址', 'Account no. / owner / full phone / address'), 'data-testid': 'houses-search' },
      },
      {
        title: t('小区', 'Community'),
        dataIndex: 'communityId',
        hideInTable: true,
        order: 9,
        valueType: 'select',
        fieldProps: { showSearch: true, filterOption: false, 'data-testid': 'houses-community' },
        debounceTime: 300,
        request: async ({ keyWords }: { keyWords?: string }) => {
          const { communities } = await request(CommunityOptionsDoc, { search: optional(keyWords) ?? null });
          return communities.items.map((c) => ({ value: c.id, label: c.name }));
        },
      },
      {
        title: t('楼号', 'Building'),
        dataIndex: 'buildingId',
        hideInTable: true,
        order: 8,
        valueType: 'select',
        dependencies: ['communityId'],
        fieldProps: { showSearch: true, optionFilterProp: 'label', placeholder: t('先选小区', 'Choose a community first') },
        request: async ({ communityId }: { communityId?: string }) => {
          if (!communityId) return [];
          const { buildings } = await request(BuildingOptionsDoc, { communityId });
          return (buildings ?? []).map((b) => ({ value: b.id, label: b.name }));
        },
      },
      {
        title: t('欠费', 'In arrears'),
        dataIndex: 'inArrears',
        hideInTable: true,
        order: 6,
        valueType: 'select',
        // Not true/false: the URL sync would turn those into booleans the select no longer recognises.
        valueEnum: { yes: { text: t('有欠费', 'In arrears') }, no: { text: t('无欠费', 'Nothing owed') } },
        fieldProps: { 'data-testid': 'houses-in-arrears' },
      },
      {
        title: t('户号', 'Account no.'),
        dataIndex: 'accountNo',
        search: false,
        width: 110,
        render: (_, row) => (
          <Link to={row.id} data-testid={`house-link-${row.accountNo}`}>
            {row.accountNo}
          </Link>
        ),
      },
      {
        title: t('地址', 'Address'),
        dataIndex: 'address',
        search: false,
        // CSS ellipsis only (showTitle: false) with the full text as a plain title: ProTable's `ellipsis: true`
        // wraps each cell in an antd Typography ellipsis that measures its cell (a forced layout per row).
        ellipsis: { showTitle: false },
        render: (_, row) => <span title={row.address}>{row.address}</span>,
      },
      { title: t('户主', 'Owner'), dataIndex: 'ownerName', search: false, width: 100 },
      { title: t('电话', 'Phone'), dataIndex: 'ownerPhone', search: false, width: 130 },
      {
        title: t('建筑面积（㎡）', 'Area (m²)'),
        dataIndex: 'buildingArea',
        search: false,
        align: 'right',
        width: 110,
      },
      {
        title: t('类别', 'Category'),
        dataIndex: 'category',
        valueType: 'select',
        valueEnum: valueEnum(categoryText(t)),
        width: 90,
        order: 5,
      },
      {
        title: t('低保/特困', 'Low income'),
        dataIndex: 'lowIncome',
        valueType: 'select',
        valueEnum: valueEnum(lowIncomeText(t)),
        width: 90,
        order: 4,
      },
      {
        title: t('供热状态', 'Heating'),
        dataIndex: 'heatingStatus',
        valueType: 'select',
        valueEnum: valueEnum(statusText),
        width: 110,
        order: 7,
        fieldProps: { 'data-testid': 'houses-heating-status' },
        render: (_, row) => (
          <Tag color={HEATING_STATUS_COLORS[row.heatingStatus]} data-testid={`house-status-${row.accountNo}`}>
            {statusText[row.heatingStatus]}
          </Tag>
        ),
      },
      {
        title: t('操作', 'Actions'),
        valueType: 'option',
        width: 170,
        render: (_, row) => [
          <Link key="detail" to={row.id}>
            {t('详情', 'Details')}
          </Link>,
          can('houses.heatingStatus') ? <HeatingStatusButton key="status" house={row} onClick={() => setStatusOf(row)} /> : null,
        ],
      },
    ];
  }, [t, can]);

  return (
    <div data-testid="houses-table">
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        headerTitle={t('房屋台账', 'House ledger')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true, pageSizeOptions: [20, 50, 100] }}
        search={{ labelWidth: 'auto', defaultCollapsed: false }}
        form={{ syncToUrl: true }}
        options={{ density: true, reload: true, setting: true }}
        toolBarRender={() => [
          <ExportButton
            key="export"
            testId="houses-export"
            start={async () => (await request(HousesPageExportDoc, { filter: shown.current })).startHouseExport}
          />,
        ]}
        request={async (params) => {
          shown.current = houseFilter(params);
          const { houses } = await request(HousesDoc, { ...pageArgs(params), filter: shown.current });
          return tablePage(houses);
        }}
      />
      {statusOf && (
        <HeatingStatusDialog
          house={statusOf}
          open
          onOpenChange={(open) => !open && setStatusOf(null)}
          onChanged={() => action.current?.reload()}
        />
      )}
    </div>
  );
}
