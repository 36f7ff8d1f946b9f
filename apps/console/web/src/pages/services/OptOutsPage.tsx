// @access optOuts
// 报停申请: every 报停 / 恢复供暖 application in a server-paginated table (status, kind, season, search); the desk
// (collectors, admins) reviews them (approve / reject with a note) and files one at the counter; a technician
// (or admin) records the valve seal with its number and a photo. The bill effect is the API's: the adjustment
// a resumption inside a billed season made is shown, with the proof and seal photos (signed URLs).
import { PlusOutlined } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, DatePicker, Form, Image, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useRef, useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import DataTable from '../../components/DataTable';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { OptOutFilter, OptOutKind, OptOutsPageListQuery, OptOutStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { OPT_OUT_KIND, OPT_OUT_KINDS, OPT_OUT_STATUS, OPT_OUT_STATUS_COLOR, OPT_OUT_STATUSES, valueEnum, when } from './labels';
import { OptOutSeasonsDoc, OptOutsListDoc } from './optOutDocuments';
import { CreateOptOutDoc, OptOutHouseSearchDoc, ReviewOptOutDoc } from './optOutReview';
import { RecordSealDoc } from './optOutSeal';
import { HouseSearchSelect, useHouseSearch } from './HouseSearchSelect';
import { PhotoUpload } from './PhotoUpload';

type Row = OptOutsPageListQuery['optOutApplications']['items'][number];

export function optOutFilter(params: ProTableParams): OptOutFilter {
  return {
    search: optional(params.search) ?? null,
    status: (optional(params.status) as OptOutStatus | undefined) ?? null,
    kind: (optional(params.kind) as OptOutKind | undefined) ?? null,
    seasonId: optional(params.seasonId) ?? null,
  };
}

type Dialog = { kind: 'review'; row: Row; approve: boolean } | { kind: 'seal'; row: Row } | { kind: 'create' } | null;

function ReviewDialog({ row, approve, onClose, onDone }: { row: Row; approve: boolean; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ note?: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const { note } = valid;
    setBusy(true);
    try {
      const res = (await request(ReviewOptOutDoc, { id: row.id, approve, note: note ?? '' })).reviewOptOut;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(approve ? t('已批准，待施封', 'Approved; awaiting the seal') : t('已驳回', 'Rejected'));
        onDone();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      onCancel={onClose}
      onOk={submit}
      confirmLoading={busy}
      title={`${approve ? t('批准', 'Approve') : t('驳回', 'Reject')} · ${row.no}`}
      okButtonProps={{ danger: !approve, 'data-testid': 'optout-review-ok' }}
    >
      <Typography.Paragraph>
        {t(...OPT_OUT_KIND[row.kind])} · {row.house.accountNo} {row.house.address} · {row.season.name}
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary">{row.reason}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="note" label={t('审核意见（住户可见）', 'Note (the resident sees it)')} rules={approve ? [] : [{ required: true, whitespace: true, message: t('驳回须说明原因', 'Say why') }]}>
          <Input.TextArea rows={2} maxLength={200} data-testid="optout-review-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function SealDialog({ row, onClose, onDone }: { row: Row; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ sealNo: string }>();
  const [photos, setPhotos] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const { sealNo } = valid;
    setBusy(true);
    try {
      const res = (await request(RecordSealDoc, { id: row.id, sealNo: sealNo.trim(), photoIds: photos })).recordSeal;
      if (res?.errors.length) {
        const { fields, general } = fieldErrors(res.errors, ['sealNo'] as const);
        form.setFields(fields);
        if (general.length) message.error(general.join(' '));
      } else {
        message.success(t('已记录施封', 'Seal recorded'));
        onDone();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open onCancel={onClose} onOk={submit} confirmLoading={busy} title={`${row.kind === 'RESUME' ? t('启封', 'Unseal') : t('施封', 'Seal')} · ${row.no}`} okButtonProps={{ 'data-testid': 'optout-seal-ok' }}>
      <Typography.Paragraph>
        {row.house.accountNo} {row.house.address}
      </Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="sealNo" label={t('铅封编号', 'Seal no.')} rules={[{ required: true, whitespace: true, message: t('请填写铅封编号', 'Enter the seal no.') }]}>
          <Input data-testid="optout-seal-no" />
        </Form.Item>
        <Form.Item label={t('施封照片', 'Photo of the seal')} required>
          <PhotoUpload purpose="seal" onChange={setPhotos} testId="optout-seal-photos" max={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface CreateValues {
  houseId: string;
  seasonId: string;
  kind: OptOutKind;
  reason: string;
  applicantName: string;
  contactPhone?: string;
  effectiveDate?: Dayjs;
}

function CreateDialog({ seasons, onClose, onDone }: { seasons: readonly { id: string; name: string }[]; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<CreateValues>();
  const houses = useHouseSearch('OptOutHouseSearch', async (search) => (await request(OptOutHouseSearchDoc, { search })).houses.items);
  const [photos, setPhotos] = useState<string[]>([]);
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const kind = Form.useWatch('kind', form);
  const submit = async () => {
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const v = valid;
    setBusy(true);
    setGeneral([]);
    try {
      const res = (
        await request(CreateOptOutDoc, {
          input: {
            houseId: v.houseId,
            seasonId: v.seasonId,
            kind: v.kind,
            reason: v.reason,
            applicantName: v.applicantName,
            contactPhone: v.contactPhone ?? '',
            effectiveDate: v.effectiveDate ? v.effectiveDate.format('YYYY-MM-DD') : null,
            photoIds: photos,
          },
        })
      ).createOptOutApplication;
      if (res?.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, ['houseId', 'seasonId', 'kind', 'reason', 'applicantName', 'contactPhone', 'effectiveDate'] as const);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      message.success(t(`已登记申请 ${res?.application?.no ?? ''}`, `Application ${res?.application?.no ?? ''} filed`));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open onCancel={onClose} onOk={submit} confirmLoading={busy} title={t('柜台登记报停 / 恢复供暖', 'File an application at the counter')} okButtonProps={{ 'data-testid': 'optout-create-ok' }} width={600}>
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="optout-create-error" />}
      <Form form={form} layout="vertical" initialValues={{ kind: 'OPT_OUT' }}>
        <Form.Item name="houseId" label={t('房屋', 'House')} rules={[{ required: true, message: t('请选择房屋', 'Pick the house') }]}>
          <HouseSearchSelect
            search={houses}
            data-testid="optout-create-house"
            onPick={(h) => {
              if (!form.getFieldValue('applicantName')) form.setFieldsValue({ applicantName: h.ownerName, contactPhone: h.ownerPhone ?? '' });
            }}
          />
        </Form.Item>
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Select options={OPT_OUT_KINDS.map((k) => ({ value: k, label: t(...OPT_OUT_KIND[k]) }))} />
        </Form.Item>
        <Form.Item name="seasonId" label={t('采暖季', 'Season')} rules={[{ required: true, message: t('请选择采暖季', 'Pick the season') }]}>
          <Select data-testid="optout-create-season" options={seasons.map((s) => ({ value: s.id, label: s.name }))} />
        </Form.Item>
        {kind === 'RESUME' && (
          <Form.Item name="effectiveDate" label={t('恢复日期', 'Resume on')}>
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={t('原因', 'Reason')} rules={[{ required: true, whitespace: true, message: t('请填写原因', 'Enter the reason') }]}>
          <Input.TextArea rows={2} maxLength={300} data-testid="optout-create-reason" />
        </Form.Item>
        <Form.Item name="applicantName" label={t('申请人', 'Applicant')} rules={[{ required: true, whitespace: true, message: t('请填写申请人', 'Enter the applicant') }]}>
          <Input />
        </Form.Item>
        <Form.Item name="contactPhone" label={t('联系电话', 'Phone')}>
          <Input />
        </Form.Item>
        <Form.Item label={t('产权证明', 'Proof of ownership')}>
          <PhotoUpload purpose="ownership" onChange={setPhotos} testId="optout-create-photos" max={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function OptOutsPage() {
  const t = useT();
  const can = useCan();
  const action = useRef<ActionType>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const seasons = useQuery({ queryKey: ['OptOutsPageSeasons'], queryFn: async () => (await request(OptOutSeasonsDoc)).seasons ?? [] });
  const mayReview = can('optOuts.review');
  const maySeal = can('optOuts.seal');
  const done = () => {
    setDialog(null);
    action.current?.reload();
  };

  const columns: ProColumns<Row>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('申请号 / 户号 / 地址 / 申请人', 'No. / account / address / applicant') } },
    { title: t('申请号', 'No.'), dataIndex: 'no', search: false },
    {
      title: t('类型', 'Kind'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: valueEnum(OPT_OUT_KINDS, OPT_OUT_KIND, t),
      render: (_, row) => <Tag color={row.kind === 'OPT_OUT' ? 'orange' : 'green'}>{t(...OPT_OUT_KIND[row.kind])}</Tag>,
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: valueEnum(OPT_OUT_STATUSES, OPT_OUT_STATUS, t),
      render: (_, row) => (
        <Tag color={OPT_OUT_STATUS_COLOR[row.status]} data-testid={`optout-status-${row.no}`} data-status={row.status}>
          {row.statusText || t(...OPT_OUT_STATUS[row.status])}
        </Tag>
      ),
    },
    {
      title: t('采暖季', 'Season'),
      dataIndex: 'seasonId',
      valueType: 'select',
      fieldProps: { options: (seasons.data ?? []).map((s) => ({ value: s.id, label: s.name })) },
      render: (_, row) => row.season.name,
    },
    {
      title: t('房屋', 'House'),
      search: false,
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <span>{row.house.accountNo}</span>
          <Typography.Text type="secondary">{row.house.address}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('申请人', 'Applicant'),
      search: false,
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <span>{row.applicantName}</span>
          <Typography.Text type="secondary">{row.contactPhone}</Typography.Text>
        </Space>
      ),
    },
    { title: t('原因', 'Reason'), dataIndex: 'reason', search: false, ellipsis: true },
    {
      title: t('审核 / 施封', 'Review / seal'),
      search: false,
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          {row.reviewNote && <span>{row.reviewNote}</span>}
          {row.reviewedBy && (
            <Typography.Text type="secondary">
              {t(`审核：${row.reviewedBy.name}`, `Reviewed by ${row.reviewedBy.name}`)} {when(row.reviewedAt)}
            </Typography.Text>
          )}
          {row.sealNo && (
            <span>
              {t(`铅封 ${row.sealNo}`, `Seal ${row.sealNo}`)} {when(row.sealedAt)} {row.sealedBy?.name ?? ''}
            </span>
          )}
          {row.adjustmentFen ? <span>{t(`账单调整 ${formatFen(row.adjustmentFen)}`, `Bill adjusted ${formatFen(row.adjustmentFen)}`)}</span> : null}
          {row.photos.length > 0 && (
            <Image.PreviewGroup>
              <Space size={4} data-testid={`optout-photos-${row.no}`}>
                {row.photos.map((p) => (
                  <Image key={p.id} src={p.url} width={40} height={40} style={{ objectFit: 'cover' }} />
                ))}
              </Space>
            </Image.PreviewGroup>
          )}
        </Space>
      ),
    },
    { title: t('提交时间', 'Submitted'), dataIndex: 'submittedAt', search: false, render: (_, row) => when(row.submittedAt) },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        ...(mayReview && row.status === 'SUBMITTED'
          ? [
              <Typography.Link key="approve" onClick={() => setDialog({ kind: 'review', row, approve: true })} data-testid={`optout-approve-${row.no}`}>
                {t('批准', 'Approve')}
              </Typography.Link>,
              <Typography.Link key="reject" type="danger" onClick={() => setDialog({ kind: 'review', row, approve: false })} data-testid={`optout-reject-${row.no}`}>
                {t('驳回', 'Reject')}
              </Typography.Link>,
            ]
          : []),
        ...(maySeal && row.status === 'APPROVED'
          ? [
              <Typography.Link key="seal" onClick={() => setDialog({ kind: 'seal', row })} data-testid={`optout-seal-${row.no}`}>
                {row.kind === 'RESUME' ? t('启封', 'Unseal') : t('施封', 'Seal')}
              </Typography.Link>,
            ]
          : []),
      ],
    },
  ];

  return (
    <>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="optouts-table"
        headerTitle={t('报停申请', 'Opt-out applications')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto' }}
        toolBarRender={() =>
          mayReview
            ? [
                <Button key="create" type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })} data-testid="optout-create">
                  {t('柜台登记', 'File at the counter')}
                </Button>,
              ]
            : []
        }
        request={async (params) => {
          const { first, offset } = pageArgs(params);
          const { optOutApplications } = await request(OptOutsListDoc, { offset, limit: first, filter: optOutFilter(params) });
          return tablePage(optOutApplications);
        }}
      />
      {dialog?.kind === 'review' && <ReviewDialog row={dialog.row} approve={dialog.approve} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'seal' && <SealDialog row={dialog.row} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.kind === 'create' && <CreateDialog seasons={seasons.data ?? []} onClose={() => setDialog(null)} onDone={done} />}
    </>
  );
}
