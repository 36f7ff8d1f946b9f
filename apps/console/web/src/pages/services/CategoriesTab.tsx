// @access serviceSettings
// Ticket categories (报修 / 投诉) with their SLAs: respond within N hours, resolve within M; switched off rather
// than deleted (old tickets keep theirs). Temperature reports take their SLA from the room-temperature rule.
import { PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { ServiceSettingsCategoriesQuery, TicketKind } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { TICKET_KIND, TICKET_KIND_COLOR } from './labels';
import { SaveTicketCategoryDoc, TicketCategoriesDoc } from './settingsDocuments';

type Category = ServiceSettingsCategoriesQuery['ticketCategories'][number];
interface Values {
  kind: TicketKind;
  name: string;
  respondHours: number;
  resolveHours: number;
  active: boolean;
}

export default function CategoriesTab() {
  const t = useT();
  const { message } = App.useApp();
  const query = useQuery({ queryKey: ['ServiceSettingsCategories'], queryFn: async () => (await request(TicketCategoriesDoc)).ticketCategories });
  const [editing, setEditing] = useState<Category | 'new' | null>(null);
  const [form] = Form.useForm<Values>();
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    if (values.resolveHours < values.respondHours) {
      form.setFields([{ name: 'resolveHours', errors: [t('解决时限不能短于响应时限', 'May not be shorter than the response time')] }]);
      return;
    }
    setSaving(true);
    setGeneral([]);
    try {
      const id = editing && editing !== 'new' ? editing.id : null;
      const input = id ? { name: values.name, respondHours: values.respondHours, resolveHours: values.resolveHours, active: values.active } : values;
      const res = (await request(SaveTicketCategoryDoc, { id, input })).saveTicketCategory;
      if (res?.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, ['kind', 'name', 'respondHours', 'resolveHours', 'active'] as const);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      message.success(t('已保存', 'Saved'));
      setEditing(null);
      void query.refetch();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="category-create">
        {t('新建类别', 'New category')}
      </Button>
      <Table<Category>
        rowKey="id"
        loading={query.isLoading}
        dataSource={query.data ?? []}
        pagination={false}
        data-testid="categories-table"
        columns={[
          { title: t('类型', 'Kind'), dataIndex: 'kind', render: (k: TicketKind) => <Tag color={TICKET_KIND_COLOR[k]}>{t(...TICKET_KIND[k])}</Tag> },
          {
            title: t('名称', 'Name'),
            dataIndex: 'name',
            render: (name: string, c) => (
              <Typography.Link onClick={() => setEditing(c)} data-testid={`category-${c.id}`}>
                {name}
              </Typography.Link>
            ),
          },
          { title: t('响应时限', 'Respond within'), dataIndex: 'respondHours', render: (h: number) => t(`${h} 小时`, `${h} h`) },
          { title: t('解决时限', 'Resolve within'), dataIndex: 'resolveHours', render: (h: number) => t(`${h} 小时`, `${h} h`) },
          { title: t('状态', 'Status'), dataIndex: 'active', render: (a: boolean) => (a ? <Tag color="green">{t('启用', 'Active')}</Tag> : <Tag>{t('停用', 'Off')}</Tag>) },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('新建类别', 'New category') : t('修改类别', 'Edit category')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'category-save' }}
      >
        {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} />}
        <Form<Values>
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={editing && editing !== 'new' ? editing : { kind: 'REPAIR', respondHours: 2, resolveHours: 24, active: true }}
        >
          <Form.Item name="kind" label={t('类型', 'Kind')}>
            <Select
              disabled={editing !== 'new'}
              options={(['REPAIR', 'COMPLAINT'] as const).map((k) => ({ value: k, label: t(...TICKET_KIND[k]) }))}
            />
          </Form.Item>
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter the name') }]}>
            <Input maxLength={32} data-testid="category-name" />
          </Form.Item>
          <Form.Item name="respondHours" label={t('响应时限 (小时)', 'Respond within (h)')} rules={[{ required: true }]}>
            <InputNumber min={1} max={720} style={{ width: '100%' }} data-testid="category-respond" />
          </Form.Item>
          <Form.Item name="resolveHours" label={t('解决时限 (小时)', 'Resolve within (h)')} rules={[{ required: true }]}>
            <InputNumber min={1} max={2160} style={{ width: '100%' }} data-testid="category-resolve" />
          </Form.Item>
          <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
