// @access tickets.create
// A ticket filed for a caller (phone, counter): find the house (户号 / owner / phone / address), pick the kind and
// category, describe it; a temperature report needs the reported temperature. The API's field errors are shown
// on their fields.
import { Alert, App, Form, Input, InputNumber, Modal, Select } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { TicketKind } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';

import { HouseSearchSelect, useHouseSearch } from './HouseSearchSelect';
import { TICKET_KIND, TICKET_KINDS } from './labels';
import { PhotoUpload } from './PhotoUpload';
import { CreateTicketDoc, TicketHouseSearchDoc } from './ticketCreate';

interface Values {
  houseId: string;
  kind: TicketKind;
  categoryId?: string;
  description: string;
  contactName: string;
  contactPhone?: string;
  reportedTemp?: number;
}
const FIELDS = ['houseId', 'kind', 'categoryId', 'description', 'contactName', 'contactPhone', 'reportedTemp'] as const;

export interface CategoryOption {
  id: string;
  kind: TicketKind;
  name: string;
  active: boolean;
}

export function CreateTicketDialog({ open, categories, onClose, onCreated }: { open: boolean; categories: readonly CategoryOption[]; onClose: () => void; onCreated: (no: string) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const houses = useHouseSearch('TicketHouseSearch', async (search) => (await request(TicketHouseSearchDoc, { search })).houses.items, open);
  const [photos, setPhotos] = useState<string[]>([]);
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const kind = Form.useWatch('kind', form);

  const submit = async () => {
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const values = valid;
    setSaving(true);
    setGeneral([]);
    try {
      const res = (
        await request(CreateTicketDoc, {
          input: {
            houseId: values.houseId,
            kind: values.kind,
            categoryId: values.categoryId ?? null,
            description: values.description,
            contactName: values.contactName,
            contactPhone: values.contactPhone ?? '',
            reportedTemp: values.kind === 'TEMPERATURE' && values.reportedTemp !== undefined ? String(values.reportedTemp) : null,
            photoIds: photos,
          },
        })
      ).createTicket;
      if (res?.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, FIELDS);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      message.success(t(`已创建工单 ${res?.ticket?.no ?? ''}`, `Ticket ${res?.ticket?.no ?? ''} created`));
      form.resetFields();
      onCreated(res?.ticket?.no ?? '');
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('代客报修 / 投诉', 'File a ticket for a caller')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('提交', 'Submit')}
      okButtonProps={{ 'data-testid': 'ticket-create-ok' }}
      destroyOnHidden
      width={640}
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} />}
      <Form form={form} layout="vertical" initialValues={{ kind: 'REPAIR' }} preserve={false} data-testid="ticket-create-form">
        <Form.Item name="houseId" label={t('房屋', 'House')} rules={[{ required: true, message: t('请选择房屋', 'Pick the house') }]}>
          <HouseSearchSelect
            search={houses}
            data-testid="ticket-create-house"
            notFoundContent={houses.term ? t('没有找到房屋', 'No house found') : null}
            onPick={(h) => {
              if (!form.getFieldValue('contactName')) form.setFieldsValue({ contactName: h.ownerName, contactPhone: h.ownerPhone ?? '' });
            }}
          />
        </Form.Item>
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Select data-testid="ticket-create-kind" options={TICKET_KINDS.map((k) => ({ value: k, label: t(...TICKET_KIND[k]) }))} onChange={() => form.setFieldsValue({ categoryId: undefined })} />
        </Form.Item>
        {kind !== 'TEMPERATURE' && (
          <Form.Item name="categoryId" label={t('类别', 'Category')}>
            <Select allowClear options={categories.filter((c) => c.kind === kind && c.active).map((c) => ({ value: c.id, label: c.name }))} />
          </Form.Item>
        )}
        {kind === 'TEMPERATURE' && (
          <Form.Item name="reportedTemp" label={t('住户报告室温 (℃)', 'Reported temperature (℃)')} rules={[{ required: true, message: t('请填写室温', 'Enter the temperature') }]}>
            <InputNumber min={-10} max={40} step={0.1} precision={1} style={{ width: '100%' }} data-testid="ticket-create-temp" />
          </Form.Item>
        )}
        <Form.Item name="description" label={t('描述', 'Description')} rules={[{ required: true, whitespace: true, message: t('请描述问题', 'Describe the problem') }]}>
          <Input.TextArea rows={3} maxLength={1000} data-testid="ticket-create-description" />
        </Form.Item>
        <Form.Item name="contactName" label={t('联系人', 'Contact')} rules={[{ required: true, whitespace: true, message: t('请填写联系人', 'Enter the contact') }]}>
          <Input data-testid="ticket-create-contact" />
        </Form.Item>
        <Form.Item name="contactPhone" label={t('联系电话', 'Phone')}>
          <Input />
        </Form.Item>
        <Form.Item label={t('照片', 'Photos')}>
          <PhotoUpload purpose={kind === 'TEMPERATURE' ? 'thermometer' : 'ticket'} onChange={setPhotos} testId="ticket-create-photos" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
